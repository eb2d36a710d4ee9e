"use client";

import { useState, useTransition } from "react";
import { resendVerificationAction } from "@/app/(auth)/verify-email/actions";

/** Shown on every console page until the user's email is verified. */
export function VerifyEmailBanner({ email }: { email: string }) {
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [pending, start] = useTransition();
  return (
    <div role="region" aria-label="Email verification" className="border-b border-amber-200 bg-amber-50">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-3 px-4 py-2 text-sm text-amber-900 sm:px-6">
        <p>
          Verify your email address: we sent a link to <strong>{email}</strong>. Until then you cannot accept invitations or connect sign-in providers.
        </p>
        <button
          type="button"
          disabled={pending}
          onClick={() =>
            start(async () => {
              const r = await resendVerificationAction();
              setMessage({ ok: r.ok, text: r.message });
            })
          }
          className="rounded-md border border-amber-300 bg-white px-2 py-1 font-medium hover:bg-amber-100 disabled:opacity-60"
        >
          {pending ? "Sending…" : "Send the link again"}
        </button>
        {message ? (
          <span role={message.ok ? "status" : "alert"} className={message.ok ? "text-green-800" : "text-red-700"}>
            {message.text}
          </span>
        ) : null}
      </div>
    </div>
  );
}
