import type { Metadata } from "next";
import { NoAccess } from "@/components/console/no-access";
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
import { AUDIT_CATEGORIES, listAccountAudit } from "@/lib/audit/view";
import { pageAccess, param, type SearchParams } from "../_lib/context";

export const metadata: Metadata = { title: "Activity" };

export default async function AuditPage({ searchParams }: { searchParams: SearchParams }) {
  const access = await pageAccess("audit:read");
  if (!access.ok) return <NoAccess title="Activity" reason={access.reason} permission={access.permission} />;
  const sp = await searchParams;
  const filters = { category: param(sp, "category"), actor: param(sp, "actor"), from: param(sp, "from"), to: param(sp, "to") };
  const cursor = param(sp, "cursor");
  const { rows, nextCursor } = await listAccountAudit(access.db, access.actor, { ...filters, cursor });

  return (
    <div className="space-y-6">
      <PageHeader title="Activity" description="The account's audit log: changes in this account and its members' sign-ins and security changes, newest first." />
      <Card>
        <FilterBar path="/audit" label="Filter audit log">
          <FilterField id="au-category" label="What">
            <Select id="au-category" name="category" defaultValue={filters.category ?? ""}>
              <option value="">Everything</option>
              {Object.entries(AUDIT_CATEGORIES).map(([value, c]) => (
                <option key={value} value={value}>
                  {c.label}
                </option>
              ))}
            </Select>
          </FilterField>
          <FilterField id="au-actor" label="Who (email)">
            <Input id="au-actor" name="actor" defaultValue={filters.actor ?? ""} placeholder="name@example.com" />
          </FilterField>
          <FilterField id="au-from" label="From (UTC)">
            <Input id="au-from" name="from" type="date" defaultValue={filters.from ?? ""} />
          </FilterField>
          <FilterField id="au-to" label="To (UTC)">
            <Input id="au-to" name="to" type="date" defaultValue={filters.to ?? ""} />
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
                <Th>Who</Th>
                <Th>Target</Th>
                <Th>Details</Th>
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
                    {r.actorEmail ? <span className="text-xs">{r.actorEmail}</span> : <Badge tone={r.actorKind === "staff" ? "amber" : "blue"}>{r.actorKind === "system" ? "unauthenticated or system" : r.actorKind}</Badge>}
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
        <Pager path="/audit" params={{ category: filters.category, actor: filters.actor, from: filters.from, to: filters.to }} nextCursor={nextCursor} hasCursor={Boolean(cursor)} label="Audit log pages" />
      </Card>
    </div>
  );
}
