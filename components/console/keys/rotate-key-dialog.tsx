"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { rotateKeyAction } from "@/app/(console)/keys/actions";
import { ActionForm, FormField, SubmitButton } from "@/components/forms/action-form";
import { ClientButton as Button } from "@/components/ui/client-button";
import { Dialog } from "@/components/ui/dialog";
import { Select } from "@/components/ui/select";
import { SecretReveal } from "./secret-reveal";

const GRACE_OPTIONS = [
  { value: "0", label: "None — the old key stops now" },
  { value: "1", label: "1 hour" },
  { value: "24", label: "24 hours (recommended)" },
  { value: "72", label: "3 days" },
  { value: "168", label: "7 days" },
];

export function RotateKeyDialog({ keyId, name }: { keyId: string; name: string }) {
  const [open, setOpen] = useState(false);
  const [rotated, setRotated] = useState<{ plaintext: string; graceUntil: string | null } | null>(null);
  const router = useRouter();
  const close = () => {
    setOpen(false);
    // Refresh only after the new secret is dismissed: the old key's row loses this button
    // once it is rotating, which would unmount the dialog showing the plaintext.
    if (rotated) router.refresh();
    setRotated(null);
  };
  return (
    <>
      <Button variant="secondary" size="sm" onClick={() => setOpen(true)} aria-label={`Rotate ${name}`}>
        Rotate
      </Button>
      <Dialog open={open} onClose={close} title={rotated ? "Key rotated" : `Rotate “${name}”`} description={rotated ? undefined : "Issues a new key with the same settings. The old key keeps working during the grace period so you can deploy the new one."}>
        {rotated ? (
          <div className="space-y-4">
            <SecretReveal
              plaintext={rotated.plaintext}
              note={rotated.graceUntil ? `The old key works until ${rotated.graceUntil.slice(0, 16).replace("T", " ")} UTC.` : "The old key no longer works."}
            />
            <div className="flex justify-end">
              <Button onClick={close}>Done</Button>
            </div>
          </div>
        ) : (
          <ActionForm action={rotateKeyAction} refresh={false} hidden={{ keyId }} onSuccess={(d) => setRotated({ plaintext: d.plaintext, graceUntil: d.previousGraceUntil })} className="space-y-4" label={`Rotate ${name}`}>
            <FormField name="graceHours" label="Grace period for the old key" id={`grace-${keyId}`}>
              {(a) => <Select {...a} defaultValue="24" options={GRACE_OPTIONS} />}
            </FormField>
            <div className="flex justify-end gap-2">
              <Button variant="secondary" onClick={close}>
                Cancel
              </Button>
              <SubmitButton pendingText="Rotating…">Rotate key</SubmitButton>
            </div>
          </ActionForm>
        )}
      </Dialog>
    </>
  );
}
