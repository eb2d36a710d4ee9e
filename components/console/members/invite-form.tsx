"use client";

import { inviteMemberAction } from "@/app/(console)/members/actions";
import { ActionForm, FormField, SubmitButton } from "@/components/forms/action-form";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { ROLE_OPTIONS } from "./roles";

export function InviteForm({ canGrantOwner }: { canGrantOwner: boolean }) {
  return (
    <ActionForm
      action={inviteMemberAction}
      resetOnSuccess
      label="Invite a member"
      className="grid items-end gap-3 sm:grid-cols-[1fr_12rem_auto]"
      successMessage={() => "Invitation sent: they join when they open the emailed link, signed in with that (verified) address. The link expires in 7 days."}
    >
      <FormField name="email" label="Email">
        {(a) => <Input {...a} type="email" autoComplete="off" required />}
      </FormField>
      <FormField name="role" label="Role" id="invite-role">
        {(a) => <Select {...a} className="max-w-full" defaultValue="member" options={ROLE_OPTIONS.filter((o) => canGrantOwner || o.value !== "owner")} />}
      </FormField>
      <SubmitButton pendingText="Inviting…">Invite</SubmitButton>
    </ActionForm>
  );
}
