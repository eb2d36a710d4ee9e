"use client";

import { setLowBalanceThresholdAction } from "@/app/(console)/billing/actions";
import { ActionForm, FormField, SubmitButton } from "@/components/forms/action-form";
import { Input } from "@/components/ui/input";
import { formatUsd } from "@/lib/money";

export function LowBalanceForm({ currentUsd }: { currentUsd: string }) {
  return (
    <ActionForm
      action={setLowBalanceThresholdAction}
      className="flex flex-wrap items-end gap-3"
      label="Low-balance alert"
      successMessage={(d) => (d.thresholdMicros === null ? "Low-balance alerts are off." : `You'll be notified when your balance falls below ${formatUsd(BigInt(d.thresholdMicros))}.`)}
    >
      <FormField name="thresholdUsd" label="Alert me when the balance falls below (USD)" hint="Leave empty to turn the alert off." className="min-w-[16rem] flex-1">
        {(a) => <Input {...a} inputMode="decimal" defaultValue={currentUsd} placeholder="e.g. 10" autoComplete="off" />}
      </FormField>
      <SubmitButton pendingText="Saving…">Save</SubmitButton>
    </ActionForm>
  );
}
