"use client";

import { useActionState } from "react";
import { acceptTermsAction, type AcceptTermsState } from "@/app/(auth)/accept-terms/actions";
import { TermsCheckbox } from "./terms-checkbox";

export function AcceptTermsForm({ email }: { email: string }) {
  const [state, action, pending] = useActionState<AcceptTermsState | null, FormData>(acceptTermsAction, null);
  return (
    <form action={action} className="space-y-4" noValidate>
      <h1 className="text-lg font-semibold">One more step</h1>
      <p className="text-sm text-slate-600">Signed in as {email}. Please accept the terms to use the console.</p>
      <TermsCheckbox errors={state?.fieldErrors?.acceptTerms} />
      <button type="submit" disabled={pending} className="w-full rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60">
        {pending ? "Saving…" : "Continue"}
      </button>
    </form>
  );
}
