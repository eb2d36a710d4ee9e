// Security events of a user (sign-ins, failures, two-factor and password changes) go into the
// audit log of every account the user belongs to, so each account's owners and admins see them
// in their own audit view; a user without an account gets one row with no account (staff view).
import { eq } from "drizzle-orm";
import { memberships } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { writeAudit, type ActorKind } from "@/lib/audit";

export type UserEvent =
  | "auth.sign_in"
  | "auth.sign_in_failed"
  | "auth.sign_in_locked"
  | "auth.sign_out_everywhere"
  | "auth.password_change"
  | "auth.password_reset"
  | "auth.email_verified"
  | "auth.oauth_link"
  | "auth.2fa_enable"
  | "auth.2fa_disable"
  | "auth.2fa_recovery_used"
  | "user.terms_accept";

export async function auditUserEvent(
  tx: DbOrTx,
  userId: string,
  action: UserEvent,
  data?: Record<string, unknown>,
  /** Failed sign-ins are made by whoever typed the email, not (provably) by the user. */
  opts: { anonymous?: boolean; actorKind?: ActorKind } = {},
): Promise<void> {
  const actorUserId = opts.anonymous ? null : userId;
  const actorKind = opts.anonymous ? "system" : (opts.actorKind ?? "user");
  const rows = await tx.select({ accountId: memberships.accountId }).from(memberships).where(eq(memberships.userId, userId));
  const accountIds = rows.length ? rows.map((r) => r.accountId) : [null];
  for (const accountId of accountIds) {
    await writeAudit(tx, { accountId, actorUserId, actorKind, action, targetType: "user", targetId: userId, data });
  }
}
