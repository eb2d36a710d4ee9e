"use client";

import { useState } from "react";
import { grantCreditsAction } from "@/app/(console)/staff/actions";
import { ActionForm, FormField, SubmitButton } from "@/components/forms/action-form";
import { Input } from "@/components/ui/input";

/** `nonce` is minted per page render: submitting the same form twice grants once. */
export function GrantForm({ accountId, nonce }: { accountId: string; nonce: string }) {
  // Kept across refreshes of the page's data: granting again needs a fresh page load.
  const [idempotencyKey] = useState(nonce);
  return (
    <ActionForm
      action={grantCreditsAction}
      hidden={{ accountId, idempotencyKey }}
      label="Grant credits"
      className="grid gap-4 sm:grid-cols-2"
      successMessage={(d) =>
        d.created ? `Granted. Ledger entry ${d.entryId}. Reload the page to make another grant.` : `Already granted (entry ${d.entryId}); nothing new was added. Reload the page to make another grant.`
      }
    >
      <FormField name="amountUsd" label="Amount (USD)" hint="Up to $100,000 per grant.">
        {(a) => <Input {...a} inputMode="decimal" placeholder="e.g. 25" autoComplete="off" required />}
      </FormField>
      <FormField name="expiresInDays" label="Expires after (days)">
        {(a) => <Input {...a} inputMode="numeric" defaultValue="365" autoComplete="off" />}
      </FormField>
      <FormField name="reason" label="Reason" hint="Shown in the customer's ledger and the audit log." className="sm:col-span-2">
        {(a) => <Input {...a} required maxLength={500} placeholder="e.g. Outage credit for incident #42" autoComplete="off" />}
      </FormField>
      <div className="sm:col-span-2">
        <SubmitButton pendingText="Granting…">Grant credits</SubmitButton>
      </div>
    </ActionForm>
  );
}
