import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { CustomerReply } from "@/components/console/disputes/customer-reply";
import { DisputeStatusBadge } from "@/components/console/disputes/status-badge";
import { DisputeThread } from "@/components/console/disputes/thread";
import { NoAccess } from "@/components/console/no-access";
import { Alert } from "@/components/ui/alert";
import { ButtonLink } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { Time } from "@/components/ui/time";
import { can } from "@/lib/auth/permissions";
import { FINAL_STATUSES, getDispute } from "@/lib/disputes";
import { pageAccess } from "../../_lib/context";

export const metadata: Metadata = { title: "Dispute" };

export default async function DisputePage({ params }: { params: Promise<{ id: string }> }) {
  const access = await pageAccess("disputes:read");
  if (!access.ok) return <NoAccess title="Dispute" reason={access.reason} permission={access.permission} />;
  const { id } = await params;
  if (!/^dsp_[0-9A-Za-z]{1,64}$/.test(id)) notFound();
  const d = await getDispute(access.db, access.actor, id);
  if (!d) notFound();
  const closed = FINAL_STATUSES.includes(d.status);

  return (
    <div className="space-y-6">
      <PageHeader
        title="Dispute"
        description={<code className="font-mono">{d.id}</code>}
        actions={<ButtonLink href="/disputes">All disputes</ButtonLink>}
      />
      <Card>
        <CardHeader title="Summary" actions={<DisputeStatusBadge status={d.status} />} />
        <CardBody>
          <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-3">
            <div>
              <dt className="text-slate-600">Charge</dt>
              <dd className="font-semibold">{d.chargedMicros !== null ? <Money micros={d.chargedMicros} exact /> : "—"}</dd>
            </div>
            <div>
              <dt className="text-slate-600">Amount asked</dt>
              <dd>{d.amountMicros !== null ? <Money micros={d.amountMicros} exact /> : "The whole charge"}</dd>
            </div>
            <div>
              <dt className="text-slate-600">Refunded</dt>
              <dd>{d.refundMicros !== null ? <Money micros={d.refundMicros} exact /> : "—"}</dd>
            </div>
            <div>
              <dt className="text-slate-600">Opened</dt>
              <dd>
                <Time value={d.createdAt} /> {d.openedByEmail ? `by ${d.openedByEmail}` : null}
              </dd>
            </div>
            <div>
              <dt className="text-slate-600">Request</dt>
              <dd className="font-mono text-xs">
                {d.requestId ? <Link href={`/usage/requests/${encodeURIComponent(d.requestId)}`} className="text-indigo-700 hover:underline">{d.requestId}</Link> : "—"}
              </dd>
            </div>
            <div>
              <dt className="text-slate-600">Ledger entry</dt>
              <dd className="font-mono text-xs">{d.ledgerEntryId ?? "—"}</dd>
            </div>
          </dl>
          {d.status === "refunded" ? (
            <Alert tone="success" className="mt-4" title="Refunded">
              <Money micros={d.refundMicros ?? BigInt(0)} kind="amount" /> was credited back to your balance as an adjustment in the ledger.
            </Alert>
          ) : d.status === "rejected" ? (
            <Alert tone="error" className="mt-4" title="Rejected">
              {d.resolutionNote ?? "Support reviewed this charge and found it correct."}
            </Alert>
          ) : null}
        </CardBody>
      </Card>
      <Card>
        <CardHeader title="Conversation" />
        <CardBody className="space-y-6">
          <DisputeThread reason={d.reason} openedBy={d.openedByEmail} openedAt={d.createdAt} messages={d.messages} viewer="customer" />
          {!closed && can(access.role, "disputes:write") ? <CustomerReply disputeId={d.id} /> : null}
          {closed ? <p className="text-sm text-slate-600">This dispute is closed.</p> : null}
        </CardBody>
      </Card>
    </div>
  );
}
