import type { Metadata } from "next";
import Link from "next/link";
import { DisputeStatusBadge } from "@/components/console/disputes/status-badge";
import { Pager, Segmented } from "@/components/console/pager";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TBody, Td, Th, THead, Tr } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { listDisputeQueue } from "@/lib/disputes";
import { param, staffAccess, type SearchParams } from "../../_lib/context";

export const metadata: Metadata = { title: "Dispute queue (staff)" };

export default async function StaffDisputesPage({ searchParams }: { searchParams: SearchParams }) {
  const { db, staff } = await staffAccess();
  const sp = await searchParams;
  const status = param(sp, "status");
  const account = param(sp, "account");
  const cursor = param(sp, "cursor");
  const { rows, nextCursor } = await listDisputeQueue(db, staff, { status, accountId: account, cursor });

  return (
    <div className="space-y-6">
      <PageHeader title="Dispute queue" description={status ? undefined : "Waiting for staff: open and under review, oldest first."} />
      <Segmented
        label="Status"
        path="/staff/disputes"
        params={{ account }}
        name="status"
        value={status ?? ""}
        options={[
          { value: "", label: "Waiting" },
          { value: "open", label: "Open" },
          { value: "under_review", label: "Under review" },
          { value: "refunded", label: "Refunded" },
          { value: "rejected", label: "Rejected" },
        ]}
      />
      <Card>
        {rows.length === 0 ? (
          <EmptyState title="Nothing here">{status ? "No disputes with this status." : "No disputes are waiting. Nice."}</EmptyState>
        ) : (
          <Table caption="Disputes">
            <THead>
              <tr>
                <Th>Dispute</Th>
                <Th>Account</Th>
                <Th>Opened</Th>
                <Th>Status</Th>
                <Th>Reason</Th>
                <Th className="text-right">Charge</Th>
                <Th className="text-right">Asked</Th>
              </tr>
            </THead>
            <TBody>
              {rows.map((d) => (
                <Tr key={d.id}>
                  <Td>
                    <Link href={`/staff/disputes/${d.id}`} className="font-mono text-xs font-medium text-indigo-700 hover:underline">
                      {d.id}
                    </Link>
                  </Td>
                  <Td>
                    <Link href={`/staff/accounts/${d.accountId}`} className="hover:underline">
                      {d.accountName}
                    </Link>
                  </Td>
                  <Td>
                    <Time value={d.createdAt} />
                  </Td>
                  <Td>
                    <DisputeStatusBadge status={d.status} />
                  </Td>
                  <Td className="max-w-xs truncate" title={d.reason}>
                    {d.reason}
                  </Td>
                  <Td className="text-right">{d.chargedMicros !== null ? <Money micros={d.chargedMicros} kind="amount" /> : "—"}</Td>
                  <Td className="text-right">{d.amountMicros !== null ? <Money micros={d.amountMicros} kind="amount" /> : "All"}</Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
        <Pager path="/staff/disputes" params={{ status, account }} nextCursor={nextCursor} hasCursor={Boolean(cursor)} label="Dispute pages" nextLabel="More" firstLabel="First" />
      </Card>
    </div>
  );
}
