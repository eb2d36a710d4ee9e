import type { Metadata } from "next";
import Link from "next/link";
import { FilterBar, FilterField } from "@/components/console/filter-bar";
import { Pager } from "@/components/console/pager";
import { Card, Stat } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TBody, Td, Th, THead, Tr } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { listOverage } from "@/lib/staff";
import { param, staffAccess, type SearchParams } from "../../_lib/context";

export const metadata: Metadata = { title: "Overage (staff)" };

export default async function StaffOveragePage({ searchParams }: { searchParams: SearchParams }) {
  const { db, staff } = await staffAccess();
  const sp = await searchParams;
  const filters = { accountId: param(sp, "account"), from: param(sp, "from"), to: param(sp, "to") };
  const cursor = param(sp, "cursor");
  const { rows, nextCursor, totals } = await listOverage(db, staff, { ...filters, cursor });
  const keep = { account: filters.accountId, from: filters.from, to: filters.to };

  return (
    <div className="space-y-6">
      <PageHeader
        title="Overage"
        description="Calls whose provider bill exceeded their hold. Each is charged at most the per-call overage bound (OVERAGE_MAX_MICROS) beyond its hold; anything above that is written off."
      />
      <div className="grid gap-4 sm:grid-cols-3">
        <Stat label="Calls" value={totals.calls.toLocaleString("en-US")} />
        <Stat label="Charged beyond holds" value={<Money micros={totals.overageMicros} exact />} />
        <Stat label="Written off" value={<Money micros={totals.unchargedMicros} exact />} />
      </div>
      <Card>
        <FilterBar path="/staff/overage" label="Filter overage">
          <FilterField id="o-account" label="Account id">
            <Input id="o-account" name="account" defaultValue={filters.accountId ?? ""} placeholder="acct_…" className="font-mono" />
          </FilterField>
          <FilterField id="o-from" label="From (UTC)">
            <Input id="o-from" name="from" type="date" defaultValue={filters.from ?? ""} />
          </FilterField>
          <FilterField id="o-to" label="To (UTC)">
            <Input id="o-to" name="to" type="date" defaultValue={filters.to ?? ""} />
          </FilterField>
        </FilterBar>
        {rows.length === 0 ? (
          <EmptyState title="No overage">No call was charged beyond its hold in this range.</EmptyState>
        ) : (
          <Table caption="Calls charged beyond their hold">
            <THead>
              <tr>
                <Th>Time</Th>
                <Th>Account</Th>
                <Th>Request</Th>
                <Th>Model</Th>
                <Th className="text-right">Hold</Th>
                <Th className="text-right">Charged</Th>
                <Th className="text-right">Beyond hold</Th>
                <Th className="text-right">Written off</Th>
              </tr>
            </THead>
            <TBody>
              {rows.map((r) => (
                <Tr key={r.id}>
                  <Td>
                    <Time value={r.createdAt} />
                  </Td>
                  <Td>
                    <Link href={`/staff/accounts/${r.accountId}`} className="font-mono text-xs text-indigo-700 hover:underline">
                      {r.accountName ?? r.accountId}
                    </Link>
                  </Td>
                  <Td className="font-mono text-xs">{r.id}</Td>
                  <Td>{r.model ?? "—"}</Td>
                  <Td className="text-right">
                    <Money micros={r.holdMicros} exact />
                  </Td>
                  <Td className="text-right">
                    <Money micros={r.costMicros} exact />
                  </Td>
                  <Td className="text-right">
                    <Money micros={r.overageMicros} exact />
                  </Td>
                  <Td className="text-right">
                    <Money micros={r.unchargedMicros} exact />
                  </Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
        <Pager path="/staff/overage" params={keep} nextCursor={nextCursor} hasCursor={Boolean(cursor)} label="Overage pages" />
      </Card>
    </div>
  );
}
