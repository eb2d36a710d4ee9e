"use client";

import { useState } from "react";
import { updateKeyAction } from "@/app/(console)/keys/actions";
import { ActionForm, FormField, SubmitButton } from "@/components/forms/action-form";
import { ClientButton as Button } from "@/components/ui/client-button";
import { Dialog } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { KeyLimitFields } from "./key-fields";

export function EditKeyDialog({ keyId, name, tier, dailySpendCapUsd, creditLimitUsd }: { keyId: string; name: string; tier: string; dailySpendCapUsd: string; creditLimitUsd: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="secondary" size="sm" onClick={() => setOpen(true)} aria-label={`Edit ${name}`}>
        Edit
      </Button>
      <Dialog open={open} onClose={() => setOpen(false)} title={`Edit “${name}”`}>
        <ActionForm action={updateKeyAction} hidden={{ keyId }} onSuccess={() => setOpen(false)} className="space-y-4" label={`Edit ${name}`}>
          <FormField name="name" label="Name" id={`edit-name-${keyId}`}>
            {(a) => <Input {...a} defaultValue={name} required maxLength={100} autoComplete="off" />}
          </FormField>
          <KeyLimitFields defaults={{ tier, dailySpendCapUsd, creditLimitUsd }} />
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <SubmitButton pendingText="Saving…">Save changes</SubmitButton>
          </div>
        </ActionForm>
      </Dialog>
    </>
  );
}
