"use client";

import { signOut } from "next-auth/react";
import { closeAccountAction, deleteMyUserAction } from "@/app/(console)/account/actions";
import { ActionForm, FormField, SubmitButton } from "@/components/forms/action-form";
import { Input } from "@/components/ui/input";

export function CloseAccountForm() {
  return (
    <ActionForm action={closeAccountAction} label="Close account" className="grid gap-3 sm:grid-cols-[1fr_auto] sm:items-end">
      <FormField name="confirm" id="f-close-confirm" label="Type CLOSE to confirm" hint="Revokes every API key at once. This cannot be undone.">
        {(a) => <Input {...a} autoComplete="off" required />}
      </FormField>
      <SubmitButton variant="danger" pendingText="Closing…">
        Close account
      </SubmitButton>
    </ActionForm>
  );
}

export function DeleteUserForm() {
  return (
    <ActionForm action={deleteMyUserAction} label="Delete my user" className="grid gap-3 sm:grid-cols-[1fr_auto] sm:items-end" refresh={false} onSuccess={() => void signOut({ callbackUrl: "/signin" })}>
      <FormField name="confirm" id="f-delete-confirm" label="Type DELETE to confirm" hint="Your email, name and sign-in methods are erased and you are signed out.">
        {(a) => <Input {...a} autoComplete="off" required />}
      </FormField>
      <SubmitButton variant="danger" pendingText="Deleting…">
        Delete my user
      </SubmitButton>
    </ActionForm>
  );
}
