"use client";

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { signIn } from "next-auth/react";
import { useState } from "react";
import { useHydrated } from "@/components/ui/client-button";
import { Field } from "./field";

function safeCallback(url: string | null): string {
  // Only same-site paths, so the sign-in page can't be used as an open redirect.
  return url && url.startsWith("/") && !url.startsWith("//") ? url : "/overview";
}

export function SignInForm({ oauth }: { oauth: { id: string; name: string }[] }) {
  const router = useRouter();
  const params = useSearchParams();
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // Until React has hydrated, a submit would be a native form post; keep the button disabled.
  const hydrated = useHydrated();

  async function onSubmit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const email = String(data.get("email") ?? "").trim();
    const password = String(data.get("password") ?? "");
    const next: Record<string, string[]> = {};
    if (!email) next.email = ["Email is required"];
    else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) next.email = ["Enter a valid email address"];
    if (!password) next.password = ["Password is required"];
    setErrors(next);
    setFormError(null);
    if (Object.keys(next).length) return;
    setPending(true);
    const res = await signIn("credentials", { email, password, redirect: false });
    setPending(false);
    if (res?.ok && !res.error) router.push(safeCallback(params.get("callbackUrl")));
    else setFormError("Email or password is incorrect.");
  }

  return (
    <form method="post" onSubmit={onSubmit} className="space-y-4" noValidate>
      <h1 className="text-lg font-semibold">Sign in</h1>
      {formError && <p role="alert" className="text-sm text-red-600">{formError}</p>}
      <Field label="Email" name="email" type="email" autoComplete="email" required errors={errors.email} />
      <Field label="Password" name="password" type="password" autoComplete="current-password" required errors={errors.password} />
      <button type="submit" disabled={pending || !hydrated} className="w-full rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60">
        {pending ? "Signing in…" : "Sign in"}
      </button>
      {oauth.map((p) => (
        <button key={p.id} type="button" onClick={() => void signIn(p.id, { callbackUrl: "/overview" })} className="w-full rounded-md border border-slate-300 px-4 py-2 text-sm font-medium hover:bg-slate-50">
          Continue with {p.name}
        </button>
      ))}
      <p className="text-center text-sm text-slate-600">
        New to Tollgate? <Link className="font-medium text-indigo-700 underline" href="/signup">Create an account</Link>
      </p>
    </form>
  );
}
