import type { Metadata } from "next";
import Link from "next/link";
import { FilterBar, FilterField } from "@/components/console/filter-bar";
import { NoAccess } from "@/components/console/no-access";
import { hrefWith, Pager } from "@/components/console/pager";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { Select } from "@/components/ui/select";
import { Table, TBody, Td, Th, THead, Tr } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { can } from "@/lib/auth/permissions";
import { listLedgerEntries, normalizeLedgerType } from "@/lib/accounts/ledger";
import { parseDay } from "@/lib/accounts/filters";
import { DISPUTE_WINDOW_DAYS, disputeWindowStart } from "@/lib/disputes";
import { isDisputableType } from "@/lib/disputes/charges";
import { LEDGER_ENTRY_TYPES, type LedgerEntryType } from "@/lib/ledger/types";
import { pageAccess, param, type SearchParams } from "../_lib/context";

export const metadata: Metadata = { title: "Ledger" };

// Keyed by every entry type: a new one in the schema's enum does not compile until it has both.
const TYPE_TONE: Record<LedgerEntryType, BadgeTone> = {
  topup: "green",
  grant: "green",
  adjustment: "indigo",
  charge: "neutral",
  byok_fee: "neutral",
  refund: "amber",
  expiry: "red",
  chargeback_freeze: "amber",
  chargeback_release: "green",
  chargeback: "red",
};
const TYPE_LABEL: Record<LedgerEntryType, string> = {
  topup: "Top-up",
  grant: "Grant",
  charge: "Charge",
  refund: "Refund",
  adjustment: "Adjustment",
  expiry: "Expiry",
  byok_fee: "BYOK fee",
  chargeback_freeze: "Chargeback (frozen)",
  chargeback_release: "Chargeback won",
  chargeback: "Chargeback",
};

export default async function LedgerPage({ searchParams }: { searchParams: SearchParams }) {
  const access = await pageAccess("ledger:read");
  if (!access.ok) return <NoAccess title="Ledger" reason={access.reason} permission={access.permission} />;
  const sp = await searchParams;
  // Only well-formed filters are echoed back (into the form, the pager and the CSV link).
  const from = parseDay(param(sp, "from")) ? param(sp, "from") : undefined;
  const to = parseDay(param(sp, "to")) ? param(sp, "to") : undefined;
  const type = normalizeLedgerType(param(sp, "type"));
  const cursor = param(sp, "cursor");
  const { rows, nextCursor } = await listLedgerEntries(access.db, access.actor, { from, to, type, cursor, limit: 50 });
  const canDispute = can(access.role, "disputes:write");
  const windowStart = disputeWindowStart(DISPUTE_WINDOW_DAYS).getTime();
  const filters = { from, to, type };
  const csvHref = hrefWith("/api/ledger/export", { ...filters, account: access.account.accountId });

  return (
    <div className="space-y-6">
      <PageHeader
        title="Ledger"
        description="Every change to your balance, newest first. Amounts are exact to the micro-dollar (hover to see all 6 decimals)."
        actions={
          <a href={csvHref} className={buttonClasses("secondary")} download>
            Export CSV
          </a>
        }
      />
      <Card>
        <FilterBar path="/ledger" label="Filter ledger">
          <FilterField id="l-from" label="From (UTC)">
            <Input id="l-from" name="from" type="date" defaultValue={from ?? ""} />
          </FilterField>
          <FilterField id="l-to" label="To (UTC)">
            <Input id="l-to" name="to" type="date" defaultValue={to ?? ""} />
          </FilterField>
          <FilterField id="l-type" label="Type">
            <Select id="l-type" name="type" defaultValue={type ?? ""}>
              <option value="">All types</option>
              {LEDGER_ENTRY_TYPES.map((t) => (
                <option key={t} value={t}>
                  {TYPE_LABEL[t]}
                </option>
              ))}
            </Select>
          </FilterField>
        </FilterBar>
        {rows.length === 0 ? (
          <EmptyState title={from || to || type ? "No entries match these filters" : "No ledger entries yet"}>
            {from || to || type ? "Try a wider date range or another type." : "Top-ups, charges and grants will be listed here."}
          </EmptyState>
        ) : (
          <Table caption="Ledger entries">
            <THead>
              <tr>
                <Th>Time</Th>
                <Th>Type</Th>
                <Th>Details</Th>
                <Th className="text-right">Amount</Th>
                <Th className="text-right">Balance after</Th>
                {canDispute ? <Th className="text-right">
                  <span className="sr-only">Actions</span>
                </Th> : null}
              </tr>
            </THead>
            <TBody>
              {rows.map((e) => {
                const disputable = canDispute && isDisputableType(e.type) && e.amountMicros < BigInt(0);
                return (
                  <Tr key={e.id} data-entry-id={e.id} data-entry-type={e.type}>
                    <Td>
                      <Time value={e.createdAt} />
                    </Td>
                    <Td>
                      <Badge tone={TYPE_TONE[e.type]}>{TYPE_LABEL[e.type]}</Badge>
                    </Td>
                    <Td className="max-w-md whitespace-normal text-xs text-slate-700">
                      {e.description ? <div className="truncate" title={e.description}>{e.description}</div> : null}
                      {e.requestId ? (
                        <Link href={`/usage/requests/${encodeURIComponent(e.requestId)}`} className="font-mono text-indigo-700 hover:underline">
                          {e.requestId}
                        </Link>
                      ) : null}
                      {e.disputeId ? (
                        <Link href={`/disputes/${e.disputeId}`} className="font-mono text-indigo-700 hover:underline">
                          {e.disputeId}
                        </Link>
                      ) : null}
                      {e.type === "topup" ? (
                        <Link href={`/receipts/${e.id}`} className="block text-indigo-700 hover:underline" aria-label={`Receipt for top-up ${e.id}`}>
                          Receipt
                        </Link>
                      ) : null}
                      <div className="font-mono text-slate-400">{e.id}</div>
                    </Td>
                    <Td className="text-right">
                      <Money micros={e.amountMicros} kind="amount" signed />
                    </Td>
                    <Td className="text-right">
                      <Money micros={e.balanceAfterMicros} />
                    </Td>
                    {canDispute ? (
                      <Td className="text-right">
                        {disputable && e.openDisputeId ? (
                          <Link href={`/disputes/${e.openDisputeId}`} className="text-xs font-medium text-indigo-700 hover:underline">
                            Disputed
                          </Link>
                        ) : disputable && e.createdAt.getTime() >= windowStart ? (
                          <Link href={`/disputes/new?entry=${e.id}`} className={buttonClasses("secondary", "sm")} aria-label={`Dispute charge ${e.id}`}>
                            Dispute
                          </Link>
                        ) : null}
                      </Td>
                    ) : null}
                  </Tr>
                );
              })}
            </TBody>
          </Table>
        )}
        <Pager path="/ledger" params={filters} nextCursor={nextCursor} hasCursor={Boolean(cursor)} label="Ledger pages" />
      </Card>
    </div>
  );
}
