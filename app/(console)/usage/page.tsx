import type { Metadata } from "next";
import Link from "next/link";
import { UsageCharts } from "@/components/console/charts/usage-charts";
import { FilterBar, FilterField } from "@/components/console/filter-bar";
import { NoAccess } from "@/components/console/no-access";
import { Pager, Segmented } from "@/components/console/pager";
import { RequestStatusBadge } from "@/components/console/request-status";
import { Card, CardBody, CardHeader, Stat } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { Select } from "@/components/ui/select";
import { Table, TBody, Td, Th, THead, Tr } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { can } from "@/lib/auth/permissions";
import { DISPUTE_WINDOW_DAYS, disputeWindowStart } from "@/lib/disputes";
import { listRequests, normalizeRange, REQUEST_ENDPOINTS, requestModels, stack, usageSummary } from "@/lib/usage";
import { pageAccess, param, type SearchParams } from "../_lib/context";

export const metadata: Metadata = { title: "Usage" };

const STATUS_CODES: [string, string][] = [
  ["400", "bad request"],
  ["401", "unauthorized"],
  ["402", "insufficient credits"],
  ["404", "not found"],
  ["410", "gone"],
  ["413", "too large"],
  ["429", "rate limited"],
  ["499", "client closed"],
  ["502", "upstream error"],
  ["503", "unavailable"],
  ["504", "upstream timeout"],
];

export default async function UsagePage({ searchParams }: { searchParams: SearchParams }) {
  const access = await pageAccess("usage:read");
  if (!access.ok) return <NoAccess title="Usage" reason={access.reason} permission={access.permission} />;
  const sp = await searchParams;
  const range = normalizeRange(param(sp, "range"));
  const split = param(sp, "split") === "key" ? "key" : "model";
  const filters = {
    keyId: param(sp, "key"),
    model: param(sp, "model"),
    status: param(sp, "status"),
    endpoint: param(sp, "endpoint"),
    requestId: param(sp, "q"),
    from: param(sp, "from"),
    to: param(sp, "to"),
  };
  const cursor = param(sp, "cursor");

  const [summary, log, modelIds] = await Promise.all([
    usageSummary(access.db, access.actor, range),
    listRequests(access.db, access.actor, { ...filters, cursor, limit: 50 }),
    requestModels(access.db, access.actor),
  ]);
  const keyName = new Map(summary.keys.map((k) => [k.id, `${k.name} (…${k.last4})`]));
  const seriesOf = (b: (typeof summary.buckets)[number]) => (split === "model" ? b.model : b.keyId ? (keyName.get(b.keyId) ?? b.keyId) : "(no key)");
  const requestsChart = stack(summary.days, summary.buckets.map((b) => ({ day: b.day, series: seriesOf(b), value: b.requests })));
  const spendChart = stack(summary.days, summary.buckets.map((b) => ({ day: b.day, series: seriesOf(b), value: Number(b.costMicros) / 1e6 })));

  const canDispute = can(access.role, "disputes:write");
  const windowStart = disputeWindowStart(DISPUTE_WINDOW_DAYS).getTime();
  const base = { range: String(range), split };
  const filterParams = { ...base, key: filters.keyId, model: filters.model, status: filters.status, endpoint: filters.endpoint, q: filters.requestId, from: filters.from, to: filters.to };

  return (
    <div className="space-y-6">
      <PageHeader
        title="Usage"
        description="Model calls and spend per UTC day; the request log below lists every API request. Request content is never stored — only metadata."
        actions={
          <Segmented
            label="Time range"
            path="/usage"
            params={filterParams}
            name="range"
            value={String(range)}
            options={[
              { value: "7", label: "7 days" },
              { value: "30", label: "30 days" },
              { value: "90", label: "90 days" },
            ]}
          />
        }
      />
      <div className="grid gap-4 sm:grid-cols-3">
        <Stat label={`Requests, last ${range} days`} value={summary.totals.requests.toLocaleString("en-US")} />
        <Stat label="Tokens (in / out)" value={`${summary.totals.inputTokens.toLocaleString("en-US")} / ${summary.totals.outputTokens.toLocaleString("en-US")}`} />
        <Stat label="Spend" value={<Money micros={summary.totals.costMicros} />} />
      </div>
      <Card>
        <CardHeader
          title="Activity"
          actions={
            <Segmented
              label="Split charts by"
              path="/usage"
              params={filterParams}
              name="split"
              value={split}
              options={[
                { value: "model", label: "By model" },
                { value: "key", label: "By key" },
              ]}
            />
          }
        />
        <CardBody>
          {summary.totals.requests === 0 ? (
            <p className="py-8 text-center text-sm text-slate-600">No requests in the last {range} days.</p>
          ) : (
            <UsageCharts requests={requestsChart} spend={spendChart} />
          )}
        </CardBody>
      </Card>

      <Card>
        <CardHeader title="Request log" description="Newest first. Select a request id for details." />
        <FilterBar path="/usage" label="Filter requests" keep={base}>
          <FilterField id="f-key" label="Key">
            <Select id="f-key" name="key" defaultValue={filters.keyId ?? ""}>
              <option value="">All keys</option>
              {summary.keys.map((k) => (
                <option key={k.id} value={k.id}>
                  {k.name} (…{k.last4})
                </option>
              ))}
            </Select>
          </FilterField>
          <FilterField id="f-model" label="Model">
            <Select id="f-model" name="model" defaultValue={filters.model ?? ""}>
              <option value="">All models</option>
              {modelIds.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </Select>
          </FilterField>
          <FilterField id="f-status" label="Status">
            <Select id="f-status" name="status" defaultValue={filters.status ?? ""}>
              <option value="">Any</option>
              <option value="success">Succeeded</option>
              <option value="error">Failed</option>
              {STATUS_CODES.map(([code, label]) => (
                <option key={code} value={code}>
                  {code} {label}
                </option>
              ))}
            </Select>
          </FilterField>
          <FilterField id="f-endpoint" label="Endpoint">
            <Select id="f-endpoint" name="endpoint" defaultValue={filters.endpoint ?? ""}>
              <option value="">All endpoints</option>
              {REQUEST_ENDPOINTS.map((e) => (
                <option key={e} value={e}>
                  {e}
                </option>
              ))}
            </Select>
          </FilterField>
          <FilterField id="f-from" label="From (UTC)">
            <Input id="f-from" name="from" type="date" defaultValue={filters.from ?? ""} />
          </FilterField>
          <FilterField id="f-to" label="To (UTC)">
            <Input id="f-to" name="to" type="date" defaultValue={filters.to ?? ""} />
          </FilterField>
          <FilterField id="f-q" label="Request id or client request id">
            <Input id="f-q" name="q" defaultValue={filters.requestId ?? ""} placeholder="req_… or your own id" autoComplete="off" />
          </FilterField>
        </FilterBar>
        {log.rows.length === 0 ? (
          <EmptyState title={cursor ? "No more requests" : "No requests match"}>
            {Object.values(filters).some(Boolean) ? "Try removing some filters." : "Requests made with your API keys show up here within seconds."}
          </EmptyState>
        ) : (
          <Table caption="Request log">
            <THead>
              <tr>
                <Th>Request id</Th>
                <Th>Time</Th>
                <Th>Key</Th>
                <Th>Endpoint</Th>
                <Th>Model</Th>
                <Th>Status</Th>
                <Th className="text-right">Tokens in / out</Th>
                <Th className="text-right">Cost</Th>
                <Th>Usage</Th>
                {canDispute ? (
                  <Th>
                    <span className="sr-only">Actions</span>
                  </Th>
                ) : null}
              </tr>
            </THead>
            <TBody>
              {log.rows.map((r) => (
                <Tr key={r.id}>
                  <Td>
                    <Link href={`/usage/requests/${encodeURIComponent(r.id)}`} className="font-mono text-xs font-medium text-indigo-700 underline-offset-2 hover:underline">
                      {r.id}
                    </Link>
                  </Td>
                  <Td>
                    <Time value={r.createdAt} />
                  </Td>
                  <Td>{r.keyName ? `${r.keyName} (…${r.keyLast4})` : <span className="text-slate-500">—</span>}</Td>
                  <Td>
                    <code className="font-mono text-xs">
                      {r.method} {r.endpoint}
                    </code>
                    {r.clientRequestId ? <span className="block font-mono text-xs text-slate-500">client: {r.clientRequestId}</span> : null}
                  </Td>
                  <Td>{r.model ?? "—"}</Td>
                  <Td>
                    <RequestStatusBadge statusCode={r.statusCode} errorCode={r.errorCode} />
                  </Td>
                  <Td className="text-right tabular-nums">
                    {r.inputTokens.toLocaleString("en-US")} / {r.outputTokens.toLocaleString("en-US")}
                  </Td>
                  <Td className="text-right">
                    <Money micros={r.costMicros} kind="amount" />
                  </Td>
                  <Td className="text-xs text-slate-600">{r.usageSource}</Td>
                  {canDispute ? (
                    <Td>
                      {r.costMicros > BigInt(0) && r.createdAt.getTime() >= windowStart ? (
                        <Link href={`/disputes/new?request=${encodeURIComponent(r.id)}`} className="text-xs font-medium text-indigo-700 hover:underline" aria-label={`Dispute request ${r.id}`}>
                          Dispute
                        </Link>
                      ) : null}
                    </Td>
                  ) : null}
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
        <Pager path="/usage" params={filterParams} nextCursor={log.nextCursor} hasCursor={Boolean(cursor)} label="Request log pages" />
      </Card>
    </div>
  );
}
