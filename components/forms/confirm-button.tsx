"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition, type ReactNode } from "react";
import { Alert } from "@/components/ui/alert";
import type { ButtonVariant } from "@/components/ui/button";
import { ClientButton as Button } from "@/components/ui/client-button";
import { Dialog } from "@/components/ui/dialog";
import type { ActionResultLike, ServerActionFn } from "./types";

/**
 * A button that asks for confirmation in a modal, then runs a server action with a fixed
 * input. Errors stay in the dialog; success closes it and refreshes the page's data.
 */
export function ConfirmButton<T>({
  action,
  input,
  label,
  title,
  description,
  confirmLabel,
  variant = "danger",
  size = "sm",
  children,
  onSuccess,
}: {
  action: ServerActionFn<T>;
  input: Record<string, unknown>;
  label: ReactNode;
  title: string;
  description?: ReactNode;
  confirmLabel: string;
  variant?: ButtonVariant;
  size?: "sm" | "md";
  children?: ReactNode;
  onSuccess?: (data: T) => void;
}) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const router = useRouter();
  return (
    <>
      <Button variant={variant === "danger" ? "secondary" : variant} size={size} onClick={() => (setError(null), setOpen(true))}>
        {label}
      </Button>
      <Dialog open={open} onClose={() => !pending && setOpen(false)} title={title} description={description}>
        {children}
        {error ? (
          <Alert tone="error" live className="mb-4">
            {error}
          </Alert>
        ) : null}
        <div className="flex flex-wrap justify-end gap-2">
          <Button variant="secondary" onClick={() => setOpen(false)} disabled={pending}>
            Cancel
          </Button>
          <Button
            variant={variant}
            disabled={pending}
            autoFocus
            onClick={() =>
              startTransition(async () => {
                let res: ActionResultLike<T>;
                try {
                  res = await action(input);
                } catch {
                  res = { ok: false, error: { code: "NETWORK", message: "Could not reach the server. Try again." } };
                }
                if (!res.ok) {
                  setError(res.error.message);
                  return;
                }
                setOpen(false);
                onSuccess?.(res.data);
                router.refresh();
              })
            }
          >
            {pending ? "Working…" : confirmLabel}
          </Button>
        </div>
      </Dialog>
    </>
  );
}
