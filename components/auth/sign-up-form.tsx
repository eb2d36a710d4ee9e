"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { signIn } from "next-auth/react";
import { useActionState, useEffect, useRef, useState } from "react";
import { signUpAction, type SignUpState } from "@/app/(auth)/signup/actions";
import { Field } from "./field";
import { TermsCheckbox } from "./terms-checkbox";

export function SignUpForm() {
  const [state, action, pending] = useActionState<SignUpState | null, FormData>(signUpAction, null);
  const [signInError, setSignInError] = useState<string | null>(null);
  // React resets the form after the action runs, so keep the typed password for the sign-in.
  const password = useRef("");
  const router = useRouter();

  useEffect(() => {
    if (!state?.ok || !state.email) return;
    // The account exists; sign straight in with the password the user just typed.
    void signIn("credentials", { email: state.email, password: password.current, redirect: false }).then((res) => {
      if (res?.ok) router.push("/overview");
      // Same words whether the address was new or already registered (sign-up never says which).
      else setSignInError(`Check your inbox at ${state.email} to continue, or sign in if you already have an account.`);
    });
  }, [state, router]);

  return (
    <form action={action} onSubmit={(e) => (password.current = String(new FormData(e.currentTarget).get("password") ?? ""))} className="space-y-4" noValidate>
      <h1 className="text-lg font-semibold">Create your account</h1>
      {state?.formError && <p role="alert" className="text-sm text-red-600">{state.formError}</p>}
      {signInError && <p role="alert" className="text-sm text-red-600">{signInError}</p>}
      <Field label="Name" name="name" autoComplete="name" required maxLength={100} defaultValue={state?.values?.name} errors={state?.fieldErrors?.name} />
      <Field label="Email" name="email" type="email" autoComplete="email" required defaultValue={state?.values?.email} errors={state?.fieldErrors?.email} />
      <Field label="Password" name="password" type="password" autoComplete="new-password" required minLength={10} errors={state?.fieldErrors?.password} />
      <p className="text-xs text-slate-500">At least 10 characters.</p>
      <TermsCheckbox errors={state?.fieldErrors?.acceptTerms} />
      <button type="submit" disabled={pending || Boolean(state?.ok)} className="w-full rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-700 disabled:opacity-60">
        {pending || state?.ok ? "Creating account…" : "Create account"}
      </button>
      <p className="text-center text-sm text-slate-600">
        Already have an account? <Link className="font-medium text-indigo-700 underline" href="/signin">Sign in</Link>
      </p>
    </form>
  );
}
