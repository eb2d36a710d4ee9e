import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { AccountStatusControls, StaffRevokeKeyButton } from "@/components/console/staff/account-status-controls";
import { GrantForm } from "@/components/console/staff/grant-form";
import { Badge } from "@/components/ui/badge";
import { buttonClasses, ButtonLink } from "@/components/ui/button";
import { Card, CardBody, CardHeader, Stat } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TBody, Td, Th, THead, Tr } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { randomBase62 } from "@/lib/ids";
import { keyStatus } from "@/lib/keys";
import { getAccountForStaff, staffListKeys } from "@/lib/staff";
import { staffAccess } from "../../../_lib/context";

export const metadata: Metadata = { title: "Account (staff)" };

export default async function StaffAccountPage({ params }: { params: Promise<{ id: string }> }) {
  const { db, staff } = await staffAccess();
  const { id } = await params;
  if (!/^acct_[0-9A-Za-z]{1,64}$/.test(id)) notFound();
  const detail = await getAccountForStaff(db, staff, id);
  if (!detail) notFound();
  const { account, members, keys, recentEntries, openDisputes } = detail;
  const keyList = await staffListKeys(db, staff, account.id);
  const now = new Date();

  return (
    <div className="space-y-6">
      <PageHeader
        title={account.name}
        description={<code className="font-mono">{account.id}</code>}
        actions={
          <>
            <ButtonLink href="/staff/accounts">All accounts</ButtonLink>
            <a href={`/api/staff/ledger/export?account=${account.id}`} className={buttonClasses("secondary")} download>
              Ledger CSV
            </a>
          </>
        }
      />
      <div className="grid gap-4 sm:grid-cols-4">
        <Stat label="Balance" value={<Money micros={account.balanceMicros} />} />
        <Stat label="Held" value={<Money micros={account.heldMicros} />} />
        <Stat label="API keys" value={`${keys.active} active`} hint={`${keys.total} total`} />
        <Stat
          label="Open disputes"
          value={openDisputes ? <Link href={`/staff/disputes?account=${account.id}`} className="text-indigo-700 underline">{openDisputes}</Link> : "0"}
          hint={`Concurrency limit ${account.concurrencyLimit}`}
        />
      </div>
      <Card>
        <CardHeader
          title="Account status"
          description={
            <>
              <Badge tone={account.status === "active" ? "green" : account.status === "suspended" ? "amber" : "red"}>{account.status}</Badge>
              {account.statusReason ? <span className="ml-2">{account.statusReason}</span> : null}
              {account.statusChangedAt ? (
                <span className="ml-2 text-slate-500">
                  since <Time value={account.statusChangedAt} />
                </span>
              ) : null}
            </>
          }
        />
        <CardBody>
          <AccountStatusControls accountId={account.id} status={account.status} />
        </CardBody>
      </Card>
      <Card>
        <CardHeader title="API keys" description="Revoking is immediate and audited under your name." />
        {keyList.length === 0 ? (
          <EmptyState title="No API keys" />
        ) : (
          <Table caption="API keys">
            <THead>
              <tr>
                <Th>Name</Th>
                <Th>Key</Th>
                <Th>Status</Th>
                <Th>Created</Th>
                <Th>
                  <span className="sr-only">Actions</span>
                </Th>
              </tr>
            </THead>
            <TBody>
              {keyList.map((k) => {
                const st = keyStatus(k, now);
                return (
                  <Tr key={k.id}>
                    <Td>{k.name}</Td>
                    <Td>
                      <code className="font-mono text-xs">
                        {k.prefix}…{k.last4}
                      </code>
                    </Td>
                    <Td>
                      <Badge tone={st === "active" ? "green" : st === "grace" ? "amber" : "neutral"}>{st}</Badge>
                    </Td>
                    <Td>
                      <Time value={k.createdAt} dateOnly />
                    </Td>
                    <Td className="text-right">{st === "active" || st === "grace" ? <StaffRevokeKeyButton accountId={account.id} keyId={k.id} label={`${k.name} (${k.prefix}…${k.last4})`} /> : null}</Td>
                  </Tr>
                );
              })}
            </TBody>
          </Table>
        )}
      </Card>
      <Card>
        <CardHeader title="Grant credits" description="Creates a grant lot and a ledger entry, audited under your name." />
        <CardBody>
          <GrantForm accountId={account.id} nonce={randomBase62(24)} />
        </CardBody>
      </Card>
      <Card>
        <CardHeader title="Members" />
        <Table caption="Members">
          <THead>
            <tr>
              <Th>Email</Th>
              <Th>Role</Th>
              <Th>Since</Th>
            </tr>
          </THead>
          <TBody>
            {members.map((m) => (
              <Tr key={m.userId}>
                <Td>{m.email}</Td>
                <Td>
                  <Badge>{m.role}</Badge>
                </Td>
                <Td>
                  <Time value={m.createdAt} dateOnly />
                </Td>
              </Tr>
            ))}
          </TBody>
        </Table>
      </Card>
      <Card>
        <CardHeader title="Recent ledger entries" description="The latest 20; export the CSV for everything." />
        {recentEntries.length === 0 ? (
          <EmptyState title="No ledger entries" />
        ) : (
          <Table caption="Recent ledger entries">
            <THead>
              <tr>
                <Th>Time</Th>
                <Th>Type</Th>
                <Th>Description</Th>
                <Th className="text-right">Amount</Th>
                <Th className="text-right">Balance after</Th>
              </tr>
            </THead>
            <TBody>
              {recentEntries.map((e) => (
                <Tr key={e.id}>
                  <Td>
                    <Time value={e.createdAt} />
                  </Td>
                  <Td>{e.type}</Td>
                  <Td className="max-w-xs truncate" title={e.description ?? undefined}>
                    {e.description ?? "—"}
                  </Td>
                  <Td className="text-right">
                    <Money micros={e.amountMicros} kind="amount" signed />
                  </Td>
                  <Td className="text-right">
                    <Money micros={e.balanceAfterMicros} />
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
