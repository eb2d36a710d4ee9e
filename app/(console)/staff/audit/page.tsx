import type { Metadata } from "next";
import Link from "next/link";
import { FilterBar, FilterField } from "@/components/console/filter-bar";
import { Pager } from "@/components/console/pager";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { PageHeader } from "@/components/ui/page-header";
import { Select } from "@/components/ui/select";
import { Table, TBody, Td, Th, THead, Tr } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { listAudit } from "@/lib/staff";
import { param, staffAccess, type SearchParams } from "../../_lib/context";

export const metadata: Metadata = { title: "Audit log (staff)" };

export default async function StaffAuditPage({ searchParams }: { searchParams: SearchParams }) {
  const { db, staff } = await staffAccess();
  const sp = await searchParams;
  const filters = { accountId: param(sp, "account"), action: param(sp, "action"), actorKind: param(sp, "actor"), from: param(sp, "from"), to: param(sp, "to") };
  const cursor = param(sp, "cursor");
  const { rows, nextCursor } = await listAudit(db, staff, { ...filters, cursor });
  const keep = { account: filters.accountId, action: filters.action, actor: filters.actorKind, from: filters.from, to: filters.to };

  return (
    <div className="space-y-6">
      <PageHeader title="Audit log" description="Every change made by customers, staff, the system and the CLI, newest first." />
      <Card>
        <FilterBar path="/staff/audit" label="Filter audit log">
          <FilterField id="a-account" label="Account id">
            <Input id="a-account" name="account" defaultValue={filters.accountId ?? ""} placeholder="acct_…" className="font-mono" />
          </FilterField>
          <FilterField id="a-action" label="Action (prefix)">
            <Input id="a-action" name="action" defaultValue={filters.action ?? ""} placeholder="e.g. dispute." />
          </FilterField>
          <FilterField id="a-actor" label="Actor">
            <Select id="a-actor" name="actor" defaultValue={filters.actorKind ?? ""}>
              <option value="">Anyone</option>
              <option value="user">Customer</option>
              <option value="staff">Staff</option>
              <option value="system">System</option>
              <option value="cli">CLI</option>
            </Select>
          </FilterField>
          <FilterField id="a-from" label="From (UTC)">
            <Input id="a-from" name="from" type="date" defaultValue={filters.from ?? ""} />
          </FilterField>
          <FilterField id="a-to" label="To (UTC)">
            <Input id="a-to" name="to" type="date" defaultValue={filters.to ?? ""} />
          </FilterField>
        </FilterBar>
        {rows.length === 0 ? (
          <EmptyState title="No audit entries match" />
        ) : (
          <Table caption="Audit log">
            <THead>
              <tr>
                <Th>Time</Th>
                <Th>Action</Th>
                <Th>Actor</Th>
                <Th>Account</Th>
                <Th>Target</Th>
                <Th>Data</Th>
              </tr>
            </THead>
            <TBody>
              {rows.map((r) => (
                <Tr key={r.id} className="align-top">
                  <Td>
                    <Time value={r.createdAt} />
                  </Td>
                  <Td className="font-mono text-xs">{r.action}</Td>
                  <Td>
                    <Badge tone={r.actorKind === "staff" ? "amber" : r.actorKind === "user" ? "neutral" : "blue"}>{r.actorKind}</Badge>{" "}
                    <span className="text-xs">{r.actorEmail ?? r.actorUserId ?? ""}</span>
                  </Td>
                  <Td className="font-mono text-xs">
                    {r.accountId ? (
                      <Link href={`/staff/accounts/${r.accountId}`} className="text-indigo-700 hover:underline">
                        {r.accountId}
                      </Link>
                    ) : (
                      "—"
                    )}
                  </Td>
                  <Td className="font-mono text-xs">{r.targetId ? `${r.targetType ?? ""} ${r.targetId}` : "—"}</Td>
                  <Td className="max-w-md whitespace-normal">
                    {r.data ? (
                      <details>
                        <summary className="cursor-pointer text-xs text-indigo-700">Show</summary>
                        <pre className="mt-1 max-h-64 overflow-auto rounded bg-slate-50 p-2 text-xs">{JSON.stringify(r.data, null, 2)}</pre>
                      </details>
                    ) : (
                      "—"
                    )}
                  </Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
        <Pager path="/staff/audit" params={keep} nextCursor={nextCursor} hasCursor={Boolean(cursor)} label="Audit log pages" />
      </Card>
    </div>
  );
}
