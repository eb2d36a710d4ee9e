"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { createKeyAction } from "@/app/(console)/keys/actions";
import { ActionForm, FormField, SubmitButton } from "@/components/forms/action-form";
import { ClientButton as Button } from "@/components/ui/client-button";
import { Dialog } from "@/components/ui/dialog";
import { Input } from "@/components/ui/input";
import { KeyLimitFields } from "./key-fields";
import { SecretReveal } from "./secret-reveal";

export function CreateKeyDialog({ label = "Create key" }: { label?: string }) {
  const [open, setOpen] = useState(false);
  const [created, setCreated] = useState<{ plaintext: string; name: string } | null>(null);
  const router = useRouter();
  const close = () => {
    setOpen(false);
    // The list refreshes only once the secret is dismissed: refreshing earlier could unmount
    // this dialog (e.g. the empty state's button) and lose the one-time plaintext.
    if (created) router.refresh();
    setCreated(null);
  };
  return (
    <>
      <Button onClick={() => setOpen(true)}>{label}</Button>
      <Dialog open={open} onClose={close} title={created ? `Key “${created.name}” created` : "Create an API key"}>
        {created ? (
          <div className="space-y-4">
            <SecretReveal plaintext={created.plaintext} />
            <p className="text-sm text-slate-600">
              Use it as <code className="rounded bg-slate-100 px-1">Authorization: Bearer &lt;key&gt;</code> with base URL{" "}
              <code className="rounded bg-slate-100 px-1">/api/v1</code>.
            </p>
            <div className="flex justify-end">
              <Button onClick={close}>Done</Button>
            </div>
          </div>
        ) : (
          <ActionForm action={createKeyAction} refresh={false} onSuccess={(d) => setCreated({ plaintext: d.plaintext, name: d.name })} className="space-y-4" label="Create an API key">
            <FormField name="name" label="Name" hint="Where the key is used, e.g. “production backend”.">
              {(a) => <Input {...a} required maxLength={100} autoComplete="off" autoFocus />}
            </FormField>
            <KeyLimitFields />
            <FormField name="expiresOn" label="Expires on (optional)" hint="The key stops working at the end of this day (UTC).">
              {(a) => <Input {...a} type="date" />}
            </FormField>
            <div className="flex justify-end gap-2">
              <Button variant="secondary" onClick={close}>
                Cancel
              </Button>
              <SubmitButton pendingText="Creating…">Create key</SubmitButton>
            </div>
          </ActionForm>
        )}
      </Dialog>
    </>
  );
}
