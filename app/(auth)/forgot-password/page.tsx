import type { Metadata } from "next";
import Link from "next/link";
import { StateForm } from "@/components/auth/state-form";
import { forgotPasswordAction } from "./actions";

export const metadata: Metadata = { title: "Forgot your password" };

export default function ForgotPasswordPage() {
  return (
    <div className="space-y-4">
      <h1 className="text-lg font-semibold">Reset your password</h1>
      <p className="text-sm text-slate-600">We will email you a link to choose a new one.</p>
      <StateForm label="Reset your password" action={forgotPasswordAction} fields={[{ name: "email", label: "Email", type: "email", autoComplete: "email" }]} submitLabel="Send the link" />
      <p className="text-center text-sm text-slate-600">
        <Link className="font-medium text-indigo-700 underline" href="/signin">Back to sign in</Link>
      </p>
    </div>
  );
}
