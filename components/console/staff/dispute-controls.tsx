"use client";

import { resolveDisputeAction, staffReplyAction, startReviewAction } from "@/app/(console)/staff/actions";
import { ConfirmButton } from "@/components/forms/confirm-button";
import { ActionForm, FormField, SubmitButton } from "@/components/forms/action-form";
import { Input, Textarea } from "@/components/ui/input";
import { ReplyForm } from "../disputes/reply-form";

export function StaffDisputeReply({ disputeId }: { disputeId: string }) {
  return <ReplyForm action={staffReplyAction} disputeId={disputeId} label="Reply to the customer" />;
}

export function StartReviewButton({ disputeId }: { disputeId: string }) {
  return (
    <ConfirmButton
      action={startReviewAction}
      input={{ disputeId }}
      label="Start review"
      variant="primary"
      title="Start reviewing this dispute?"
      description="The customer is notified that the dispute is under review."
      confirmLabel="Start review"
    />
  );
}

/** Refund (an audited ledger adjustment, at most the charge) or reject with a note. */
export function ResolveForms({ disputeId, defaultRefundUsd, maxUsd }: { disputeId: string; defaultRefundUsd: string; maxUsd: string }) {
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <section aria-labelledby="refund-heading" className="space-y-3 rounded-md p-4 ring-1 ring-emerald-200">
        <h3 id="refund-heading" className="font-semibold text-slate-900">
          Refund
        </h3>
        <ActionForm action={resolveDisputeAction} hidden={{ disputeId, outcome: "refund" }} className="space-y-3" label="Refund dispute" successMessage="Refunded.">
          <FormField name="refundUsd" label="Refund amount (USD)" hint={`At most $${maxUsd}, the disputed charge.`} id="refund-amount">
            {(a) => <Input {...a} inputMode="decimal" defaultValue={defaultRefundUsd} autoComplete="off" />}
          </FormField>
          <FormField name="note" label="Note to the customer (optional)" id="refund-note">
            {(a) => <Textarea {...a} rows={2} maxLength={4000} />}
          </FormField>
          <SubmitButton pendingText="Refunding…">Refund</SubmitButton>
        </ActionForm>
      </section>
      <section aria-labelledby="reject-heading" className="space-y-3 rounded-md p-4 ring-1 ring-red-200">
        <h3 id="reject-heading" className="font-semibold text-slate-900">
          Reject
        </h3>
        <ActionForm action={resolveDisputeAction} hidden={{ disputeId, outcome: "reject" }} className="space-y-3" label="Reject dispute" successMessage="Rejected.">
          <FormField name="note" label="Reason (sent to the customer)" id="reject-note">
            {(a) => <Textarea {...a} rows={3} maxLength={4000} required />}
          </FormField>
          <SubmitButton variant="danger" pendingText="Rejecting…">
            Reject
          </SubmitButton>
        </ActionForm>
      </section>
    </div>
  );
}
