"use client";

import { openDisputeAction } from "@/app/(console)/disputes/actions";
import { ActionForm, FormField, SubmitButton } from "@/components/forms/action-form";
import { Input, Textarea } from "@/components/ui/input";

export function OpenDisputeForm({ ledgerEntryId, requestId, maxUsd }: { ledgerEntryId: string; requestId: string | null; maxUsd: string }) {
  return (
    <ActionForm
      action={openDisputeAction}
      hidden={requestId ? { ledgerEntryId, requestId } : { ledgerEntryId }}
      redirectTo={(d) => `/disputes/${d.disputeId}`}
      className="space-y-4"
      label="Open a dispute"
    >
      <FormField name="reason" label="What went wrong?" hint="E.g. the response was cut off, the model returned an error but you were charged, the charge doesn't match the tokens.">
        {(a) => <Textarea {...a} required minLength={10} maxLength={4000} rows={5} />}
      </FormField>
      <FormField name="amountUsd" label="Amount to refund (USD, optional)" hint={`Up to $${maxUsd}. Leave empty to dispute the whole charge.`}>
        {(a) => <Input {...a} inputMode="decimal" placeholder={maxUsd} autoComplete="off" className="w-48" />}
      </FormField>
      <SubmitButton pendingText="Opening…">Open dispute</SubmitButton>
    </ActionForm>
  );
}
