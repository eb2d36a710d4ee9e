import { Table, TBody, Td, Th, THead, Tr } from "@/components/ui/table";
import { MICROS_PER_CREDIT, TIER_NAMES, TIERS } from "@/lib/ratelimit/tiers";
import { usdPrecise } from "./format";

/** The tier table of the API terms: per-key limits by tier. */
export function TierTable({ highlight }: { highlight?: string }) {
  return (
    <Table caption="Limits per API key, by tier">
      <THead>
        <tr>
          <Th>Tier</Th>
          <Th className="text-right">Requests / minute</Th>
          <Th className="text-right">Requests / day (UTC)</Th>
          <Th className="text-right">Concurrent requests</Th>
          <Th className="text-right">Default daily spend cap</Th>
        </tr>
      </THead>
      <TBody>
        {TIER_NAMES.map((name) => {
          const t = TIERS[name];
          return (
            <Tr key={name} className={highlight === name ? "bg-indigo-50/60" : undefined}>
              <Th scope="row" className="normal-case tracking-normal text-sm font-medium capitalize text-slate-900">
                {name}
              </Th>
              <Td className="text-right tabular-nums">{t.perMinute.toLocaleString("en-US")}</Td>
              <Td className="text-right tabular-nums">{t.perDay.toLocaleString("en-US")}</Td>
              <Td className="text-right tabular-nums">{t.concurrency}</Td>
              <Td className="text-right tabular-nums">
                {usdPrecise(t.dailyCapMicros)} <span className="text-slate-500">({(t.dailyCapMicros / MICROS_PER_CREDIT).toLocaleString("en-US")} credits)</span>
              </Td>
            </Tr>
          );
        })}
      </TBody>
    </Table>
  );
}
