// Email verification: a single-use link (24 h) sent at sign-up and on request. Verifying proves
// the mailbox: only then can the user accept invitations or have an OAuth identity linked.
import { and, eq } from "drizzle-orm";
import { users } from "@/db/schema";
import type { Db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { appLink, deliverLinkMail } from "@/lib/mail/links";
import { auditUserEvent } from "./events";
import { hitLimit } from "./throttle";
import { consumeToken, issueToken } from "./tokens";

export async function sendVerificationEmail(db: Db, user: { id: string; email: string }): Promise<void> {
  const token = await db.transaction((tx) => issueToken(tx, { kind: "verify_email", userId: user.id, email: user.email }));
  const link = appLink("/verify-email", { token });
  await deliverLinkMail({
    to: user.email,
    subject: "Verify your email address for Tollgate",
    text: `Open this link to verify your email address (it works once, for 24 hours):\n\n${link}\n\nIf you did not create a Tollgate account, ignore this message.`,
    link,
  });
}

/** "Resend the link" from the console banner, a few times an hour per user. */
export async function resendVerificationEmail(db: Db, user: { id: string; email: string; emailVerified: boolean }): Promise<void> {
  if (user.emailVerified) return;
  await hitLimit("verify-resend", user.id, { windowMs: 3600_000, limit: 5 });
  await sendVerificationEmail(db, user);
}

/** Uses the link. The address must still be the one it was sent to. */
export async function verifyEmail(db: Db, token: unknown): Promise<{ userId: string; email: string }> {
  return db.transaction(async (tx) => {
    const used = await consumeToken(tx, "verify_email", token);
    if (!used) throw new AppError("NOT_FOUND", "This verification link is invalid, used or expired. Sign in and send a new one.");
    const [updated] = await tx
      .update(users)
      .set({ emailVerifiedAt: new Date() })
      .where(and(eq(users.id, used.userId), eq(users.email, used.email)))
      .returning({ id: users.id });
    if (!updated) throw new AppError("NOT_FOUND", "This verification link is invalid, used or expired. Sign in and send a new one.");
    await auditUserEvent(tx, used.userId, "auth.email_verified", { email: used.email });
    return used;
  });
}
