"use client";

import { setAccountStatusAction, staffRevokeKeyAction } from "@/app/(console)/staff/actions";
import { ActionForm, FormField, SubmitButton } from "@/components/forms/action-form";
import { ConfirmButton } from "@/components/forms/confirm-button";
import { Input } from "@/components/ui/input";

type Status = "active" | "suspended" | "terminated" | "closed";

/** Suspend / lift / terminate. Terminated and closed accounts are final: no controls. */
export function AccountStatusControls({ accountId, status }: { accountId: string; status: Status }) {
  if (status === "terminated" || status === "closed") return <p className="text-sm text-slate-600">This account is {status}; that cannot be undone.</p>;
  return (
    <div className="space-y-6">
      {status === "active" ? (
        <ActionForm action={setAccountStatusAction} hidden={{ accountId, op: "suspend" }} label="Suspend account" className="grid gap-3 sm:grid-cols-[1fr_auto] sm:items-end" successMessage="Suspended. Its keys get 403 within seconds.">
          <FormField name="reason" id="f-suspend-reason" label="Suspension reason" hint="Shown to the customer in the console, the notification and API errors.">
            {(a) => <Input {...a} required maxLength={500} autoComplete="off" placeholder="e.g. Unpaid balance after a chargeback" />}
          </FormField>
          <SubmitButton variant="secondary" pendingText="Suspending…">
            Suspend
          </SubmitButton>
        </ActionForm>
      ) : (
        <ConfirmButton
          action={setAccountStatusAction}
          input={{ accountId, op: "unsuspend" }}
          label="Lift suspension"
          title="Lift the suspension?"
          description="The account's keys work again within seconds, and the customer is notified."
          confirmLabel="Lift suspension"
          variant="primary"
        />
      )}
      <ActionForm action={setAccountStatusAction} hidden={{ accountId, op: "terminate" }} label="Terminate account" className="grid gap-3 sm:grid-cols-[1fr_auto] sm:items-end" successMessage="Terminated: every key revoked; the balance is kept for a refund.">
        <FormField name="reason" id="f-terminate-reason" label="Termination reason" hint="Final: revokes every key and stops the API. The balance is kept for a refund.">
          {(a) => <Input {...a} required maxLength={500} autoComplete="off" placeholder="e.g. Repeated violation of the acceptable use policy" />}
        </FormField>
        <SubmitButton variant="danger" pendingText="Terminating…">
          Terminate
        </SubmitButton>
      </ActionForm>
    </div>
  );
}

export function StaffRevokeKeyButton({ accountId, keyId, label }: { accountId: string; keyId: string; label: string }) {
  return (
    <ConfirmButton
      action={staffRevokeKeyAction}
      input={{ accountId, keyId }}
      label={<span>Revoke<span className="sr-only"> {label}</span></span>}
      title={`Revoke ${label}?`}
      description="The key stops working within seconds everywhere. This is audited under your name."
      confirmLabel="Revoke key"
    />
  );
}
