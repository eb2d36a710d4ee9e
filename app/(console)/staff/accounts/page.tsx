import type { Metadata } from "next";
import Link from "next/link";
import { FilterBar, FilterField } from "@/components/console/filter-bar";
import { hrefWith, Pager } from "@/components/console/pager";
import { buttonClasses } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { Select } from "@/components/ui/select";
import { Table, TBody, Td, Th, THead, Tr } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { normalizeLedgerType } from "@/lib/accounts/ledger";
import { LEDGER_ENTRY_TYPES } from "@/lib/ledger/types";
import { parseDay } from "@/lib/accounts/filters";
import { listStaffNotices, searchAccounts } from "@/lib/staff";
import { param, staffAccess, type SearchParams } from "../../_lib/context";

export const metadata: Metadata = { title: "Accounts (staff)" };

export default async function StaffAccountsPage({ searchParams }: { searchParams: SearchParams }) {
  const { db, staff } = await staffAccess();
  const sp = await searchParams;
  const q = param(sp, "q");
  const cursor = param(sp, "cursor");
  const from = parseDay(param(sp, "from")) ? param(sp, "from") : undefined;
  const to = parseDay(param(sp, "to")) ? param(sp, "to") : undefined;
  const type = normalizeLedgerType(param(sp, "type"));
  const { rows, nextCursor } = await searchAccounts(db, staff, { q, cursor });
  const notices = cursor ? null : await listStaffNotices(db, staff, 10);

  return (
    <div className="space-y-6">
      <PageHeader title="Accounts" description="All customer accounts. Search by name, account id or member email." />
      {notices && notices.list.length > 0 ? (
        <Card>
          <CardHeader title="Staff notices" description="Events that need the operator's attention (e.g. card chargebacks). Newest first." />
          <ul className="divide-y divide-slate-100">
            {notices.list.map((n) => (
              <li key={n.id} className="px-4 py-3 text-sm sm:px-6">
                <p className="font-medium text-slate-900">
                  {n.accountId ? (
                    <Link href={`/staff/accounts/${n.accountId}`} className="text-indigo-700 underline">
                      {n.title}
                    </Link>
                  ) : (
                    n.title
                  )}
                </p>
                <p className="text-slate-600">{n.body}</p>
                <p className="text-xs text-slate-500">
                  <Time value={n.createdAt} />
                </p>
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
      <Card>
        <FilterBar path="/staff/accounts" label="Search accounts">
          <FilterField id="s-q" label="Search">
            <Input id="s-q" name="q" defaultValue={q ?? ""} placeholder="name, acct_…, or email" className="w-72 max-w-full" />
          </FilterField>
        </FilterBar>
        {rows.length === 0 ? (
          <EmptyState title="No accounts match">Try part of a name or an email address.</EmptyState>
        ) : (
          <Table caption="Accounts">
            <THead>
              <tr>
                <Th>Account</Th>
                <Th>Owner</Th>
                <Th className="text-right">Members</Th>
                <Th className="text-right">Balance</Th>
                <Th className="text-right">Held</Th>
                <Th>Created</Th>
              </tr>
            </THead>
            <TBody>
              {rows.map((a) => (
                <Tr key={a.id}>
                  <Td>
                    <Link href={`/staff/accounts/${a.id}`} className="font-medium text-indigo-700 hover:underline">
                      {a.name}
                    </Link>
                    <div className="font-mono text-xs text-slate-500">{a.id}</div>
                  </Td>
                  <Td>{a.ownerEmail ?? "—"}</Td>
                  <Td className="text-right">{a.memberCount}</Td>
                  <Td className="text-right">
                    <Money micros={a.balanceMicros} />
                  </Td>
                  <Td className="text-right">
                    <Money micros={a.heldMicros} />
                  </Td>
                  <Td>
                    <Time value={a.createdAt} dateOnly />
                  </Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
        <Pager path="/staff/accounts" params={{ q }} nextCursor={nextCursor} hasCursor={Boolean(cursor)} label="Account pages" />
      </Card>
      <Card>
        <FilterBar path="/staff/accounts" label="All-accounts ledger export" keep={{ q }}>
          <p className="basis-full text-sm font-semibold text-slate-900">All-accounts ledger CSV</p>
          <FilterField id="x-from" label="From (UTC)">
            <Input id="x-from" name="from" type="date" defaultValue={from ?? ""} />
          </FilterField>
          <FilterField id="x-to" label="To (UTC)">
            <Input id="x-to" name="to" type="date" defaultValue={to ?? ""} />
          </FilterField>
          <FilterField id="x-type" label="Type">
            <Select id="x-type" name="type" defaultValue={type ?? ""}>
              <option value="">All types</option>
              {LEDGER_ENTRY_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </Select>
          </FilterField>
        </FilterBar>
        <div className="px-4 py-3">
          <a href={hrefWith("/api/staff/ledger/export", { from, to, type })} className={buttonClasses("secondary")} download>
            Export all-accounts CSV
          </a>
        </div>
      </Card>
    </div>
  );
}
