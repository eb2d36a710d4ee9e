// The owner's side of the account's end: download everything (JSON), close the account, and a
// user's deletion of their own user record. Personal data of closed accounts is erased by the
// daily `accounts:erase` job (./erasure.ts).
import { and, eq, inArray, sql } from "drizzle-orm";
import { accounts, authTokens, memberships, oauthIdentities, recoveryCodes, users } from "@/db/schema";
import { writeAudit } from "@/lib/audit";
import type { DbOrTx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { authorize, roleOf, type ActorCtx } from "./authorize";
import { closeAccountRecord, type StatusChange } from "./lifecycle";

export const OPEN_STATUSES = ["active", "suspended"] as const;

async function requireOwner(db: DbOrTx, ctx: ActorCtx): Promise<void> {
  await authorize(db, ctx, "members:write");
  if ((await roleOf(db, ctx.userId, ctx.accountId)) !== "owner") throw new AppError("FORBIDDEN", "Only the account's owner can do this.");
}

export interface Closure extends StatusChange {
  /** How to get the remaining balance back (shown on the page and in the notification). */
  refundHowTo: string | null;
}

export function refundHowTo(accountId: string, balanceMicros: bigint): string | null {
  if (balanceMicros <= BigInt(0)) return null;
  return `Contact support from the owner's email address quoting account ${accountId}. Paid credit is refunded to the card it came from; granted or promotional credit has no cash value.`;
}

/** Owner only: every key revoked, API access ends, the balance is kept for a refund. */
export async function closeAccount(db: DbOrTx, ctx: ActorCtx): Promise<Closure> {
  await requireOwner(db, ctx);
  const r = await closeAccountRecord(db, { kind: "user", userId: ctx.userId }, { accountId: ctx.accountId });
  return { ...r, refundHowTo: refundHowTo(ctx.accountId, r.balanceMicros) };
}

/**
 * Deletes the caller's own user record: refused while they own an open (active or suspended)
 * account. Memberships of other accounts end; the row stays as a tombstone (its id is referenced
 * by ledger and audit history) with email, name and password gone, and the session stops working.
 */
export async function deleteOwnUser(db: DbOrTx, userId: string): Promise<{ userId: string }> {
  return db.transaction(async (tx) => {
    const [user] = await tx.select({ id: users.id, deletedAt: users.deletedAt, isStaff: users.isStaff }).from(users).where(eq(users.id, userId)).for("update");
    if (!user || user.deletedAt) throw new AppError("NOT_FOUND", "User not found.");
    const owned = await tx
      .select({ accountId: accounts.id })
      .from(memberships)
      .innerJoin(accounts, eq(accounts.id, memberships.accountId))
      .where(and(eq(memberships.userId, userId), eq(memberships.role, "owner"), inArray(accounts.status, [...OPEN_STATUSES])));
    if (owned.length > 0) {
      throw new AppError("CONFLICT", `You still own ${owned.length === 1 ? "an open account" : `${owned.length} open accounts`}: close ${owned.length === 1 ? "it" : "them"} (or hand ownership over) first.`);
    }
    // Leave the teams of accounts that are still open; closed ones keep the link for their history.
    await tx.execute(sql`DELETE FROM memberships m USING accounts a
                         WHERE m.account_id = a.id AND m.user_id = ${userId} AND a.status IN ('active', 'suspended')`);
    await tombstoneUser(tx, userId);
    await writeAudit(tx, { actorUserId: userId, actorKind: "user", action: "user.delete", targetType: "user", targetId: userId });
    return { userId };
  });
}

/** Replaces a user's personal data by tombstones (shared with the erasure job). */
export async function tombstoneUser(tx: DbOrTx, userId: string): Promise<void> {
  // Sign-in routes go too: OAuth links, pending email links, 2FA material; the bumped session
  // version ends every session already issued.
  await tx.delete(oauthIdentities).where(eq(oauthIdentities.userId, userId));
  await tx.delete(authTokens).where(eq(authTokens.userId, userId));
  await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
  await tx
    .update(users)
    .set({
      email: `erased+${userId.toLowerCase()}@erased.invalid`,
      name: null,
      passwordHash: null,
      totpSecret: null,
      totpEnabledAt: null,
      sessionVersion: sql`${users.sessionVersion} + 1`,
      deletedAt: sql`COALESCE(${users.deletedAt}, now())`,
    })
    .where(eq(users.id, userId));
}
