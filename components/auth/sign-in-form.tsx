"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { signIn } from "next-auth/react";
import { useState } from "react";
import { useHydrated } from "@/components/ui/client-button";
import { Field } from "./field";

// Errors authorize() throws (lib/auth/sign-in); anything else stays a vague "incorrect".
const TWO_FACTOR_REQUIRED = "TwoFactorRequired";
const TWO_FACTOR_INVALID = "TwoFactorInvalid";

/** `callbackUrl` has been checked on the server (lib/auth/redirect): a path on our own origin. */
export function SignInForm({ oauth, callbackUrl, notice }: { oauth: { id: string; name: string }[]; callbackUrl: string; notice?: string | null }) {
  const router = useRouter();
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [formError, setFormError] = useState<string | null>(notice ?? null);
  const [pending, setPending] = useState(false);
  // After a right password for a user with two-factor on, the same form asks for the code.
  const [needsCode, setNeedsCode] = useState(false);
  const [credentials, setCredentials] = useState<{ email: string; password: string } | null>(null);
  // Until React has hydrated, a submit would be a native form post; keep the button disabled.
  const hydrated = useHydrated();

  async function attempt(fields: { email: string; password: string; code?: string }) {
    setPending(true);
    const res = await signIn("credentials", { ...fields, redirect: false });
    setPending(false);
    if (res?.ok && !res.error) return router.push(callbackUrl);
    const error = res?.error ?? "";
    if (error === TWO_FACTOR_REQUIRED) {
      setCredentials({ email: fields.email, password: fields.password });
      setNeedsCode(true);
      setFormError(null);
    } else if (error === TWO_FACTOR_INVALID) setErrors({ code: ["That code is not right, or was already used."] });
    else if (error.startsWith("Too many attempts")) setFormError(error);
    else setFormError("Email or password is incorrect.");
  }

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    setFormError(null);
    if (needsCode && credentials) {
      const code = String(data.get("code") ?? "").trim();
      setErrors(code ? {} : { code: ["Enter the code from your app, or a recovery code"] });
      if (code) await attempt({ ...credentials, code });
      return;
    }
    const email = String(data.get("email") ?? "").trim();
    const password = String(data.get("password") ?? "");
    const next: Record<string, string[]> = {};
    if (!email) next.email = ["Email is required"];
    else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) next.email = ["Enter a valid email address"];
    if (!password) next.password = ["Password is required"];
    setErrors(next);
    if (Object.keys(next).length) return;
    await attempt({ email, password });
  }

  return (
    <form method="post" onSubmit={onSubmit} className="space-y-4" noValidate>
      <h1 className="text-lg font-semibold">{needsCode ? "Two-factor sign-in" : "Sign in"}</h1>
      {formError && <p role="alert" className="text-sm text-red-600">{formError}</p>}
      {needsCode ? (
        <>
          <p className="text-sm text-slate-600">Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>
          <Field label="Code" name="code" autoComplete="one-time-code" autoFocus required errors={errors.code} />
        </>
      ) : (
        <>
          <Field label="Email" name="email" type="email" autoComplete="email" required errors={errors.email} />
          <Field label="Password" name="password" type="password" autoComplete="current-password" required errors={errors.password} />
        </>
      )}
      <button type="submit" disabled={pending || !hydrated} className="w-full rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60">
        {pending ? "Signing in…" : needsCode ? "Verify" : "Sign in"}
      </button>
      {!needsCode &&
        oauth.map((p) => (
          <button key={p.id} type="button" onClick={() => void signIn(p.id, { callbackUrl })} className="w-full rounded-md border border-slate-300 px-4 py-2 text-sm font-medium hover:bg-slate-50">
            Continue with {p.name}
          </button>
        ))}
      <p className="text-center text-sm text-slate-600">
        <Link className="font-medium text-indigo-700 underline" href="/forgot-password">Forgot your password?</Link>
      </p>
      <p className="text-center text-sm text-slate-600">
        New to Tollgate? <Link className="font-medium text-indigo-700 underline" href="/signup">Create an account</Link>
      </p>
    </form>
  );
}
