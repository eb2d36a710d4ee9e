"use client";

import Link from "next/link";
import { useActionState } from "react";
import type { LinkActionState } from "@/app/(auth)/verify-email/actions";

interface Props {
  title: string;
  description: React.ReactNode;
  action: (prev: LinkActionState | null, formData: FormData) => Promise<LinkActionState>;
  token: string;
  submitLabel: string;
  doneHref: string;
  doneLabel: string;
}

/** One button that uses an emailed link's token (verification, invitation). */
export function LinkActionForm({ title, description, action, token, submitLabel, doneHref, doneLabel }: Props) {
  const [state, formAction, pending] = useActionState<LinkActionState | null, FormData>(action, null);
  return (
    <form action={formAction} className="space-y-4">
      <h1 className="text-lg font-semibold">{title}</h1>
      <div className="text-sm text-slate-600">{description}</div>
      <input type="hidden" name="token" value={token} />
      {state ? (
        <p role={state.ok ? "status" : "alert"} className={state.ok ? "text-sm text-green-700" : "text-sm text-red-600"}>
          {state.message}
        </p>
      ) : null}
      {state?.ok ? (
        <Link href={doneHref} className="block w-full rounded-md bg-indigo-600 px-4 py-2 text-center text-sm font-medium text-white hover:bg-indigo-700">
          {doneLabel}
        </Link>
      ) : (
        <button type="submit" disabled={pending || !token} className="w-full rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60">
          {pending ? "Working…" : submitLabel}
        </button>
      )}
    </form>
  );
}
