"use client";

import { useActionState } from "react";
import type { FormState } from "@/lib/auth/form-state";
import { Field } from "./field";

export interface StateFormField {
  name: string;
  label: string;
  type?: string;
  autoComplete?: string;
  inputMode?: "numeric" | "text";
}

interface Props {
  action: (prev: FormState | null, formData: FormData) => Promise<FormState>;
  fields: StateFormField[];
  submitLabel: string;
  hidden?: Record<string, string>;
  label: string;
  /** Rendered instead of the form once the action succeeded. */
  done?: (state: FormState) => React.ReactNode;
}

/** A small form for the account-security actions: labelled fields, field errors, one status line. */
export function StateForm({ action, fields, submitLabel, hidden, label, done }: Props) {
  const [state, formAction, pending] = useActionState<FormState | null, FormData>(action, null);
  if (state?.ok && done) return <>{done(state)}</>;
  return (
    <form action={formAction} aria-label={label} className="space-y-4" noValidate>
      {Object.entries(hidden ?? {}).map(([k, v]) => (
        <input key={k} type="hidden" name={k} value={v} />
      ))}
      {state?.message ? (
        <p role={state.ok ? "status" : "alert"} className={state.ok ? "text-sm text-green-700" : "text-sm text-red-600"}>
          {state.message}
        </p>
      ) : null}
      {fields.map((f) => (
        <Field key={f.name} label={f.label} name={f.name} type={f.type ?? "text"} autoComplete={f.autoComplete} inputMode={f.inputMode} errors={state?.fieldErrors?.[f.name]} />
      ))}
      <button type="submit" disabled={pending} className="rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60">
        {pending ? "Working…" : submitLabel}
      </button>
    </form>
  );
}
