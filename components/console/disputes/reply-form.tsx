"use client";

import { ActionForm, FormField, SubmitButton } from "@/components/forms/action-form";
import type { ServerActionFn } from "@/components/forms/types";
import { Textarea } from "@/components/ui/input";

/** Adds a message to a dispute thread (customer or staff action, passed in). */
export function ReplyForm<T>({ action, disputeId, label = "Reply" }: { action: ServerActionFn<T>; disputeId: string; label?: string }) {
  return (
    <ActionForm action={action} hidden={{ disputeId }} resetOnSuccess className="space-y-3" label={label}>
      <FormField name="body" label={label}>
        {(a) => <Textarea {...a} required maxLength={4000} rows={3} />}
      </FormField>
      <SubmitButton pendingText="Sending…">Send message</SubmitButton>
    </ActionForm>
  );
}
