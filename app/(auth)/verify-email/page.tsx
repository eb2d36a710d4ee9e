import type { Metadata } from "next";
import { LinkActionForm } from "@/components/auth/link-action-form";
import { verifyEmailAction } from "./actions";

export const metadata: Metadata = { title: "Verify your email" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

// Opening the link only shows a button: mail scanners that fetch links must not use it up.
export default async function VerifyEmailPage({ searchParams }: { searchParams: SearchParams }) {
  const raw = (await searchParams).token;
  const token = typeof raw === "string" ? raw.slice(0, 100) : "";
  return (
    <LinkActionForm
      title="Verify your email"
      description="Confirm that this address is yours."
      action={verifyEmailAction}
      token={token}
      submitLabel="Verify my email"
      doneHref="/overview"
      doneLabel="Go to the console"
    />
  );
}
