import type { Metadata } from "next";
import Link from "next/link";
import { DisputeStatusBadge } from "@/components/console/disputes/status-badge";
import { NoAccess } from "@/components/console/no-access";
import { Pager, Segmented } from "@/components/console/pager";
import { ButtonLink } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TBody, Td, Th, THead, Tr } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { can } from "@/lib/auth/permissions";
import { listDisputes } from "@/lib/disputes";
import { pageAccess, param, type SearchParams } from "../_lib/context";

export const metadata: Metadata = { title: "Disputes" };

export default async function DisputesPage({ searchParams }: { searchParams: SearchParams }) {
  const access = await pageAccess("disputes:read");
  if (!access.ok) return <NoAccess title="Disputes" reason={access.reason} permission={access.permission} />;
  const sp = await searchParams;
  const status = param(sp, "status");
  const cursor = param(sp, "cursor");
  const { rows, nextCursor } = await listDisputes(access.db, access.actor, { status, cursor });
  const writable = can(access.role, "disputes:write");

  return (
    <div className="space-y-6">
      <PageHeader
        title="Disputes"
        description="Think a charge is wrong? Open a dispute from the charge in the ledger or from the request in the usage log, within 30 days."
        actions={writable ? <ButtonLink href="/disputes/new">Dispute a request</ButtonLink> : null}
      />
      <Segmented
        label="Filter by status"
        path="/disputes"
        params={{}}
        name="status"
        value={status ?? ""}
        options={[
          { value: "", label: "All" },
          { value: "open", label: "Open" },
          { value: "under_review", label: "Under review" },
          { value: "refunded", label: "Refunded" },
          { value: "rejected", label: "Rejected" },
        ]}
      />
      <Card>
        {rows.length === 0 ? (
          <EmptyState title={status ? "No disputes with this status" : "No disputes"}>
            {writable ? (
              <>
                To dispute a charge, find it in the <Link href="/ledger?type=charge" className="font-medium text-indigo-700 underline">ledger</Link> or the{" "}
                <Link href="/usage" className="font-medium text-indigo-700 underline">request log</Link> and choose “Dispute”.
              </>
            ) : null}
          </EmptyState>
        ) : (
          <Table caption="Disputes">
            <THead>
              <tr>
                <Th>Dispute</Th>
                <Th>Opened</Th>
                <Th>Status</Th>
                <Th>Reason</Th>
                <Th className="text-right">Charge</Th>
                <Th className="text-right">Asked</Th>
                <Th className="text-right">Refunded</Th>
              </tr>
            </THead>
            <TBody>
              {rows.map((d) => (
                <Tr key={d.id}>
                  <Td>
                    <Link href={`/disputes/${d.id}`} className="font-mono text-xs font-medium text-indigo-700 hover:underline">
                      {d.id}
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
                  <Td className="text-right">{d.refundMicros !== null ? <Money micros={d.refundMicros} kind="amount" /> : "—"}</Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
        <Pager path="/disputes" params={{ status }} nextCursor={nextCursor} hasCursor={Boolean(cursor)} label="Dispute pages" />
      </Card>
    </div>
  );
}
