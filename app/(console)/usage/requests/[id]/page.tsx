import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { NoAccess } from "@/components/console/no-access";
import { RequestStatusBadge } from "@/components/console/request-status";
import { Badge } from "@/components/ui/badge";
import { ButtonLink } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TBody, Td, Th, THead, Tr } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { can } from "@/lib/auth/permissions";
import { disputeEligibility } from "@/lib/disputes";
import { getRequest } from "@/lib/usage";
import { pageAccess } from "../../../_lib/context";

export const metadata: Metadata = { title: "Request" };

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-3 gap-4 px-4 py-2.5 sm:px-5">
      <dt className="text-sm font-medium text-slate-600">{label}</dt>
      <dd className="col-span-2 text-sm text-slate-900">{children}</dd>
    </div>
  );
}

export default async function RequestPage({ params }: { params: Promise<{ id: string }> }) {
  const access = await pageAccess("usage:read");
  if (!access.ok) return <NoAccess title="Request" reason={access.reason} permission={access.permission} />;
  const { id } = await params;
  const requestId = id;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(requestId)) notFound();
  const r = await getRequest(access.db, access.actor, requestId);
  if (!r) notFound();
  const eligibility = can(access.role, "disputes:write") && r.costMicros > BigInt(0) ? await disputeEligibility(access.db, access.actor, { requestId: r.id }) : null;

  return (
    <div className="space-y-6">
      <PageHeader
        title="Request"
        description={<code className="font-mono">{r.id}</code>}
        actions={
          <>
            <ButtonLink href="/usage">Back to usage</ButtonLink>
            {eligibility?.eligible ? (
              <ButtonLink href={`/disputes/new?request=${encodeURIComponent(r.id)}`} variant="primary">
                Dispute this charge
              </ButtonLink>
            ) : null}
          </>
        }
      />
      {eligibility && !eligibility.eligible && eligibility.reason === "already_disputed" ? (
        <p className="text-sm text-slate-700">
          This charge is disputed:{" "}
          <Link className="font-medium text-indigo-700 underline" href={`/disputes/${eligibility.disputeId}`}>
            {eligibility.disputeId}
          </Link>
        </p>
      ) : null}
      {eligibility && !eligibility.eligible && eligibility.reason === "window_closed" ? (
        <p className="text-sm text-slate-700">Charges can be disputed for 30 days; the window for this one has closed.</p>
      ) : null}
      <Card>
        <CardHeader title="Details" />
        <dl className="divide-y divide-slate-100">
          <Row label="Time">
            <Time value={r.createdAt} />
            {r.completedAt ? (
              <span className="text-slate-500">
                {" "}
                (completed <Time value={r.completedAt} />)
              </span>
            ) : null}
          </Row>
          <Row label="Status">
            <RequestStatusBadge statusCode={r.statusCode} errorCode={r.errorCode} />
          </Row>
          <Row label="Client request id">{r.clientRequestId ? <code className="font-mono text-xs">{r.clientRequestId}</code> : "—"}</Row>
          <Row label="Endpoint">
            <code className="font-mono text-xs">
              {r.method} {r.path ?? r.endpoint}
            </code> {r.stream ? <Badge tone="blue">stream</Badge> : null} {r.byok ? <Badge tone="indigo">BYOK</Badge> : null}
          </Row>
          <Row label="Model">{r.model ?? "—"}</Row>
          <Row label="Key">{r.keyName ? `${r.keyName} (${r.keyPrefix}…${r.keyLast4})` : "—"}</Row>
          <Row label="Tokens">
            {r.inputTokens.toLocaleString("en-US")} in / {r.outputTokens.toLocaleString("en-US")} out
            {r.maxTokensClamped ? <span className="text-slate-600"> (max_tokens clamped to {r.maxTokensClamped})</span> : null}
          </Row>
          <Row label="Cost">
            <Money micros={r.costMicros} exact />
          </Row>
          <Row label="Hold">
            <Money micros={r.holdMicros} exact />
            {r.overageMicros > BigInt(0) ? (
              <span className="text-slate-600">
                {" "}
                (charged <Money micros={r.overageMicros} exact /> beyond the hold)
              </span>
            ) : null}
          </Row>
          <Row label="Usage source">{r.usageSource}</Row>
          <Row label="Latency">
            {r.latencyMs !== null ? `${r.latencyMs} ms` : "—"}
            {r.ttfbMs !== null ? ` (first byte ${r.ttfbMs} ms)` : ""}
          </Row>
        </dl>
      </Card>
      <Card>
        <CardHeader title="Ledger entries" description="What this request changed in your balance." />
        {r.entries.length === 0 ? (
          <CardBody>
            <p className="text-sm text-slate-600">No charge: failed requests are not charged.</p>
          </CardBody>
        ) : (
          <Table caption="Ledger entries for this request">
            <THead>
              <tr>
                <Th>Entry</Th>
                <Th>Type</Th>
                <Th>Time</Th>
                <Th className="text-right">Amount</Th>
              </tr>
            </THead>
            <TBody>
              {r.entries.map((e) => (
                <Tr key={e.id}>
                  <Td className="font-mono text-xs">{e.id}</Td>
                  <Td>{e.type}</Td>
                  <Td>
                    <Time value={e.createdAt} />
                  </Td>
                  <Td className="text-right">
                    <Money micros={e.amountMicros} exact signed />
                  </Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
      </Card>
    </div>
  );
}
