import type { Metadata } from "next";
import Link from "next/link";
import { StateForm } from "@/components/auth/state-form";
import { resetPasswordAction } from "./actions";

export const metadata: Metadata = { title: "Choose a new password" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function ResetPasswordPage({ searchParams }: { searchParams: SearchParams }) {
  const raw = (await searchParams).token;
  const token = typeof raw === "string" ? raw.slice(0, 100) : "";
  return (
    <div className="space-y-4">
      <h1 className="text-lg font-semibold">Choose a new password</h1>
      <StateForm
        label="Choose a new password"
        action={resetPasswordAction}
        hidden={{ token }}
        fields={[
          { name: "newPassword", label: "New password", type: "password", autoComplete: "new-password" },
          { name: "confirmPassword", label: "Repeat the new password", type: "password", autoComplete: "new-password" },
        ]}
        submitLabel="Set the password"
        done={(s) => (
          <div className="space-y-3">
            <p role="status" className="text-sm text-green-700">{s.message}</p>
            <Link className="font-medium text-indigo-700 underline" href="/signin">Sign in</Link>
          </div>
        )}
      />
    </div>
  );
}
