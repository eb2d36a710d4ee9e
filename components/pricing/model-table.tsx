import { Badge } from "@/components/ui/badge";
import { Table, TBody, Td, Th, THead, Tr } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { lifecycleState, type ServedModel } from "@/lib/models";
import { tokens, usdPrecise } from "./format";

function Lifecycle({ m, now }: { m: ServedModel; now: Date }) {
  if (lifecycleState(m, now) === "active") return <Badge tone="green">Available</Badge>;
  return (
    <div className="space-y-1 whitespace-normal">
      <Badge tone="amber">Deprecated</Badge>
      <p className="text-xs text-slate-600">
        Retires <Time value={m.sunsetAt} dateOnly />
        {m.replacementId ? (
          <>
            {" "}
            · use <code className="font-mono">{m.replacementId}</code>
          </>
        ) : null}
      </p>
    </div>
  );
}

function Upcoming({ m }: { m: ServedModel }) {
  if (m.upcoming.length === 0) return <span className="text-slate-400">—</span>;
  return (
    <ul className="space-y-1 whitespace-normal text-xs text-slate-700">
      {m.upcoming.map((p) => (
        <li key={p.id}>
          From <Time value={p.effectiveAt} dateOnly />: {usdPrecise(p.inputPriceMicrosPerMtok)} in / {usdPrecise(p.outputPriceMicrosPerMtok)} out
        </li>
      ))}
    </ul>
  );
}

/** Every served model with its prices per million tokens (in force now and scheduled). */
export function ModelPriceTable({ models, now }: { models: ServedModel[]; now: Date }) {
  return (
    <Table caption="Model prices per million tokens">
      <THead>
        <tr>
          <Th>Model</Th>
          <Th className="text-right">Input / Mtok</Th>
          <Th className="text-right">Cached input / Mtok</Th>
          <Th className="text-right">Output / Mtok</Th>
          <Th className="text-right">Context window</Th>
          <Th>Status</Th>
          <Th>Upcoming prices</Th>
        </tr>
      </THead>
      <TBody>
        {models.map((m) => (
          <Tr key={m.id} data-model={m.id}>
            <Th scope="row" className="normal-case tracking-normal text-sm font-medium text-slate-900">
              <code className="font-mono">{m.id}</code>
              <span className="block text-xs font-normal text-slate-500">
                {m.provider} · {m.kind}
              </span>
            </Th>
            <Td className="text-right tabular-nums">{usdPrecise(m.inputPriceMicrosPerMtok)}</Td>
            <Td className="text-right tabular-nums">{m.cachedInputPriceMicrosPerMtok === null ? "—" : usdPrecise(m.cachedInputPriceMicrosPerMtok)}</Td>
            <Td className="text-right tabular-nums">{m.kind === "embedding" ? "—" : usdPrecise(m.outputPriceMicrosPerMtok)}</Td>
            <Td className="text-right tabular-nums">{tokens(m.contextWindow)}</Td>
            <Td>
              <Lifecycle m={m} now={now} />
            </Td>
            <Td>
              <Upcoming m={m} />
            </Td>
          </Tr>
        ))}
      </TBody>
    </Table>
  );
}
