import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { DisputeStatusBadge } from "@/components/console/disputes/status-badge";
import { DisputeThread } from "@/components/console/disputes/thread";
import { ResolveForms, StaffDisputeReply, StartReviewButton } from "@/components/console/staff/dispute-controls";
import { Alert } from "@/components/ui/alert";
import { ButtonLink } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { Time } from "@/components/ui/time";
import { FINAL_STATUSES, getDisputeForStaff } from "@/lib/disputes";
import { microsToUsdExact } from "@/lib/money";
import { staffAccess } from "../../../_lib/context";

export const metadata: Metadata = { title: "Dispute (staff)" };

const plain = (micros: bigint) => microsToUsdExact(micros).replace(/\.?0+$/, "");

export default async function StaffDisputePage({ params }: { params: Promise<{ id: string }> }) {
  const { db, staff } = await staffAccess();
  const { id } = await params;
  if (!/^dsp_[0-9A-Za-z]{1,64}$/.test(id)) notFound();
  const d = await getDisputeForStaff(db, staff, id);
  if (!d) notFound();
  const closed = FINAL_STATUSES.includes(d.status);
  const charged = d.chargedMicros ?? BigInt(0);

  return (
    <div className="space-y-6">
      <PageHeader
        title="Dispute"
        description={<code className="font-mono">{d.id}</code>}
        actions={
          <>
            <ButtonLink href="/staff/disputes">Queue</ButtonLink>
            {d.status === "open" ? <StartReviewButton disputeId={d.id} /> : null}
          </>
        }
      />
      <Card>
        <CardHeader title="Summary" actions={<DisputeStatusBadge status={d.status} />} />
        <CardBody>
          <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-3">
            <div>
              <dt className="text-slate-600">Account</dt>
              <dd>
                <Link href={`/staff/accounts/${d.accountId}`} className="text-indigo-700 hover:underline">
                  {d.accountName}
                </Link>
              </dd>
            </div>
            <div>
              <dt className="text-slate-600">Charge</dt>
              <dd className="font-semibold">
                <Money micros={charged} exact /> {d.chargeCreatedAt ? <span className="font-normal text-slate-600">on <Time value={d.chargeCreatedAt} /></span> : null}
              </dd>
            </div>
            <div>
              <dt className="text-slate-600">Customer asks</dt>
              <dd>{d.amountMicros !== null ? <Money micros={d.amountMicros} exact /> : "The whole charge"}</dd>
            </div>
            <div>
              <dt className="text-slate-600">Request</dt>
              <dd className="font-mono text-xs">{d.requestId ?? "—"}</dd>
            </div>
            <div>
              <dt className="text-slate-600">Ledger entry</dt>
              <dd className="font-mono text-xs">{d.ledgerEntryId ?? "—"}</dd>
            </div>
            <div>
              <dt className="text-slate-600">Opened</dt>
              <dd>
                <Time value={d.createdAt} /> {d.openedByEmail ? `by ${d.openedByEmail}` : null}
              </dd>
            </div>
          </dl>
          {d.status === "refunded" ? (
            <Alert tone="success" className="mt-4" title="Refunded">
              <Money micros={d.refundMicros ?? BigInt(0)} exact /> credited as a ledger adjustment.
            </Alert>
          ) : d.status === "rejected" ? (
            <Alert tone="error" className="mt-4" title="Rejected">
              {d.resolutionNote}
            </Alert>
          ) : null}
        </CardBody>
      </Card>
      {!closed ? (
        <Card>
          <CardHeader title="Resolve" description="A refund credits the account with an adjustment linked to this dispute — once, however often it is clicked." />
          <CardBody>
            <ResolveForms disputeId={d.id} defaultRefundUsd={plain(d.amountMicros ?? charged)} maxUsd={plain(charged)} />
          </CardBody>
        </Card>
      ) : null}
      <Card>
        <CardHeader title="Conversation" />
        <CardBody className="space-y-6">
          <DisputeThread reason={d.reason} openedBy={d.openedByEmail} openedAt={d.createdAt} messages={d.messages} viewer="staff" />
          {!closed ? <StaffDisputeReply disputeId={d.id} /> : null}
        </CardBody>
      </Card>
    </div>
  );
}
