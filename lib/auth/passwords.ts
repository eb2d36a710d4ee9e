// Password change (knowing the current one) and reset (by a single-use emailed link, 1 hour).
// Both bump the user's session version, which ends every session issued before; a change keeps
// the session that made it (the caller re-issues its cookie with the new version).
import { eq, sql } from "drizzle-orm";
import { users } from "@/db/schema";
import type { Db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { appLink, deliverLinkMail } from "@/lib/mail/links";
import { auditUserEvent } from "./events";
import { hashPassword, verifyPassword } from "./password";
import { assertSignInAllowed, hitLimit, recordSignInFailure } from "./throttle";
import { consumeToken, issueToken } from "./tokens";
import { findUserByEmail } from "./users";

/** Same answer whether or not the address has an account; a few requests an hour per address and per email. */
export async function requestPasswordReset(db: Db, email: string, ctx: { address: string | null }): Promise<void> {
  const normalized = email.trim().toLowerCase();
  await hitLimit("reset-address", ctx.address ?? "unknown", { windowMs: 3600_000, limit: 10 });
  await hitLimit("reset-email", normalized, { windowMs: 3600_000, limit: 3 });
  const user = await findUserByEmail(db, normalized);
  if (!user) return;
  const token = await db.transaction((tx) => issueToken(tx, { kind: "reset_password", userId: user.id, email: user.email }));
  const link = appLink("/reset-password", { token });
  await deliverLinkMail({
    to: user.email,
    subject: "Reset your Tollgate password",
    text: `Open this link to choose a new password. It works once, for 1 hour, and signs you out everywhere:\n\n${link}\n\nIf you did not ask for this, ignore this message; your password stays as it is.`,
    link,
  });
}

export async function resetPassword(db: Db, token: unknown, newPassword: string): Promise<{ userId: string; email: string }> {
  const passwordHash = await hashPassword(newPassword);
  return db.transaction(async (tx) => {
    const used = await consumeToken(tx, "reset_password", token);
    if (!used) throw new AppError("NOT_FOUND", "This reset link is invalid, used or expired. Ask for a new one.");
    const [row] = await tx
      .update(users)
      // The link proves the mailbox, so the address counts as verified from now on.
      .set({ passwordHash, sessionVersion: sql`${users.sessionVersion} + 1`, emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, now())` })
      .where(eq(users.id, used.userId))
      .returning({ email: users.email });
    if (!row || row.email !== used.email) throw new AppError("NOT_FOUND", "This reset link is invalid, used or expired. Ask for a new one.");
    await auditUserEvent(tx, used.userId, "auth.password_reset");
    return used;
  });
}

/** Returns the new session version (for re-issuing the caller's own session). */
export async function changePassword(db: Db, userId: string, input: { currentPassword: string; newPassword: string }): Promise<{ sessionVersion: number }> {
  const [user] = await db.select({ email: users.email, passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId)).limit(1);
  if (!user) throw new AppError("UNAUTHENTICATED", "Please sign in again.");
  // The current-password check is a password oracle like sign-in: same throttle.
  const subject = { email: user.email, address: null };
  await assertSignInAllowed(subject);
  if (!user.passwordHash || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
    await recordSignInFailure(subject);
    throw new AppError("INVALID_REQUEST", "The current password is not right.", { param: "currentPassword" });
  }
  const passwordHash = await hashPassword(input.newPassword);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(users)
      .set({ passwordHash, sessionVersion: sql`${users.sessionVersion} + 1` })
      .where(eq(users.id, userId))
      .returning({ sessionVersion: users.sessionVersion });
    await auditUserEvent(tx, userId, "auth.password_change");
    return { sessionVersion: row.sessionVersion };
  });
}

/** Ends every session of the user, this one included. */
export async function signOutEverywhere(db: Db, userId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.update(users).set({ sessionVersion: sql`${users.sessionVersion} + 1` }).where(eq(users.id, userId));
    await auditUserEvent(tx, userId, "auth.sign_out_everywhere");
  });
}
