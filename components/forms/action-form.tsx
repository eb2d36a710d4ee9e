"use client";

import { useRouter } from "next/navigation";
import { createContext, useContext, useRef, useState, useTransition, type ReactNode } from "react";
import { Alert } from "@/components/ui/alert";
import { Field } from "@/components/ui/input";
import { formToObject, type ActionResultLike, type ServerActionFn } from "./types";

interface FormState {
  fieldErrors: Record<string, string[]>;
  pending: boolean;
}
const FormContext = createContext<FormState>({ fieldErrors: {}, pending: false });

export function useFormState(): FormState {
  return useContext(FormContext);
}

/**
 * A form that calls a server action (built with defineAction) with its fields as an object.
 * Submits through onSubmit rather than a form action so the fields keep what the user typed
 * when the server answers with errors. Shows field errors next to fields, a form-level error
 * as an alert, and refreshes server components on success.
 */
export function ActionForm<T>({
  action,
  children,
  className,
  hidden,
  successMessage,
  resetOnSuccess = false,
  refresh = true,
  redirectTo,
  onSuccess,
  label,
  transform,
}: {
  action: ServerActionFn<T>;
  children: ReactNode;
  className?: string;
  /** Extra fields sent with the form. */
  hidden?: Record<string, string>;
  successMessage?: string | ((data: T) => string);
  resetOnSuccess?: boolean;
  refresh?: boolean;
  redirectTo?: string | ((data: T) => string | null);
  onSuccess?: (data: T) => void;
  label?: string;
  transform?: (input: Record<string, unknown>) => Record<string, unknown>;
}) {
  const [result, setResult] = useState<ActionResultLike<T> | null>(null);
  const [pending, startTransition] = useTransition();
  const router = useRouter();
  const formRef = useRef<HTMLFormElement>(null);

  const fieldErrors = result && !result.ok ? (result.error.fieldErrors ?? {}) : {};
  // Errors for fields that aren't on this form still need to be seen.
  const formError = result && !result.ok ? result.error.message : null;

  return (
    <FormContext.Provider value={{ fieldErrors, pending }}>
      <form
        ref={formRef}
        aria-label={label}
        className={className}
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (pending) return;
          const form = e.currentTarget;
          let input = { ...formToObject(new FormData(form)), ...hidden };
          if (transform) input = transform(input);
          startTransition(async () => {
            let res: ActionResultLike<T>;
            try {
              res = await action(input);
            } catch {
              res = { ok: false, error: { code: "NETWORK", message: "Could not reach the server. Check your connection and try again." } };
            }
            setResult(res);
            if (!res.ok) {
              // Put the keyboard on the first field that needs attention.
              const first = Object.keys(res.error.fieldErrors ?? {})[0];
              const el = first ? form.querySelector<HTMLElement>(`[name="${CSS.escape(first)}"]`) : null;
              el?.focus();
              return;
            }
            if (resetOnSuccess) form.reset();
            onSuccess?.(res.data);
            const target = typeof redirectTo === "function" ? redirectTo(res.data) : redirectTo;
            if (target) router.push(target);
            else if (refresh) router.refresh();
          });
        }}
      >
        {formError ? (
          <Alert tone="error" live className="col-span-full mb-4">
            {formError}
          </Alert>
        ) : null}
        {result?.ok && successMessage ? (
          <Alert tone="success" live className="col-span-full mb-4">
            {typeof successMessage === "function" ? successMessage(result.data) : successMessage}
          </Alert>
        ) : null}
        {children}
      </form>
    </FormContext.Provider>
  );
}

/** A labelled control whose server-side errors (by field name) are shown and announced. */
export function FormField({
  name,
  label,
  hint,
  className,
  id,
  children,
}: {
  name: string;
  label: ReactNode;
  hint?: ReactNode;
  className?: string;
  id?: string;
  children: (a11y: { id: string; name: string; "aria-describedby"?: string; "aria-invalid"?: boolean }) => ReactNode;
}) {
  const { fieldErrors } = useFormState();
  const fieldId = id ?? `f-${name}`;
  return (
    <Field id={fieldId} label={label} hint={hint} error={fieldErrors[name]} className={className}>
      {(a11y) => children({ ...a11y, name })}
    </Field>
  );
}

export function SubmitButton({ children, pendingText, variant = "primary", className }: { children: ReactNode; pendingText?: string; variant?: "primary" | "secondary" | "danger"; className?: string }) {
  const { pending } = useFormState();
  const styles: Record<string, string> = {
    primary: "bg-indigo-600 text-white hover:bg-indigo-500",
    secondary: "bg-white text-slate-900 ring-1 ring-inset ring-slate-300 hover:bg-slate-50",
    danger: "bg-red-600 text-white hover:bg-red-500",
  };
  return (
    <button
      type="submit"
      disabled={pending}
      aria-disabled={pending}
      className={`inline-flex items-center justify-center gap-2 whitespace-nowrap rounded-md px-3.5 py-2 text-sm font-medium shadow-sm focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 disabled:cursor-wait disabled:opacity-60 ${styles[variant]} ${className ?? ""}`}
    >
      {pending ? (pendingText ?? "Working…") : children}
    </button>
  );
}
