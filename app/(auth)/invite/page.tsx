import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { LinkActionForm } from "@/components/auth/link-action-form";
import { getDb } from "@/lib/db";
import { getSessionUser } from "@/lib/auth/session";
import { previewInvitation } from "@/lib/members";
import { acceptInvitationAction } from "./actions";

export const metadata: Metadata = { title: "Invitation" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function InvitePage({ searchParams }: { searchParams: SearchParams }) {
  const raw = (await searchParams).token;
  const token = typeof raw === "string" ? raw.slice(0, 100) : "";
  const user = await getSessionUser();
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(`/invite?token=${token}`)}`);
  const invitation = await previewInvitation(await getDb(), token);
  if (!invitation) {
    return (
      <div className="space-y-3">
        <h1 className="text-lg font-semibold">Invitation</h1>
        <p role="alert" className="text-sm text-red-600">This invitation link is invalid, used, revoked or expired. Ask for a new invitation.</p>
      </div>
    );
  }
  return (
    <LinkActionForm
      title={`Join ${invitation.accountName}`}
      description={
        <p>
          You are invited as <strong>{invitation.role}</strong>. Signed in as {user.email}
          {user.emailVerified ? "." : " (not verified yet: use the link we emailed you first)."}
        </p>
      }
      action={acceptInvitationAction}
      token={token}
      submitLabel="Accept invitation"
      doneHref="/overview"
      doneLabel="Go to the console"
    />
  );
}
