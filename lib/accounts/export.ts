// The owner's download of everything the account holds, as JSON: profile, members, API key
// metadata (never hashes), ledger, requests, disputes (with messages), notifications, receipts.
import { asc, eq, inArray } from "drizzle-orm";
import { accounts, apiKeys, disputeMessages, disputes, invitations, ledgerEntries, memberships, notifications, requests, users } from "@/db/schema";
import { writeAudit } from "@/lib/audit";
import type { DbOrTx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { roleOf, type ActorCtx } from "./authorize";

/** JSON has no bigint: money goes out as decimal strings of micro-USD. */
function plain<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
}

export async function exportAccountData(db: DbOrTx, ctx: ActorCtx, now = new Date()): Promise<Record<string, unknown>> {
  if ((await roleOf(db, ctx.userId, ctx.accountId)) !== "owner") throw new AppError("FORBIDDEN", "Only the account's owner can download its data.");
  const id = ctx.accountId;
  const [account] = await db
    .select({
      id: accounts.id,
      name: accounts.name,
      status: accounts.status,
      statusReason: accounts.statusReason,
      balanceMicros: accounts.balanceMicros,
      heldMicros: accounts.heldMicros,
      concurrencyLimit: accounts.concurrencyLimit,
      lowBalanceThresholdMicros: accounts.lowBalanceThresholdMicros,
      createdAt: accounts.createdAt,
      closedAt: accounts.closedAt,
    })
    .from(accounts)
    .where(eq(accounts.id, id));
  if (!account) throw new AppError("NOT_FOUND", "Account not found.");
  const [members, invites, keys, ledger, reqs, disputeRows, notices] = await Promise.all([
    db
      .select({ userId: users.id, email: users.email, name: users.name, role: memberships.role, since: memberships.createdAt })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(eq(memberships.accountId, id))
      .orderBy(asc(memberships.createdAt)),
    db.select({ email: invitations.email, role: invitations.role, acceptedAt: invitations.acceptedAt, createdAt: invitations.createdAt }).from(invitations).where(eq(invitations.accountId, id)),
    db
      .select({
        id: apiKeys.id,
        name: apiKeys.name,
        prefix: apiKeys.prefix,
        last4: apiKeys.last4,
        tier: apiKeys.tier,
        customRpm: apiKeys.customRpm,
        dailySpendCapMicros: apiKeys.dailySpendCapMicros,
        creditLimitMicros: apiKeys.creditLimitMicros,
        spentMicros: apiKeys.spentMicros,
        expiresAt: apiKeys.expiresAt,
        revokedAt: apiKeys.revokedAt,
        graceUntil: apiKeys.graceUntil,
        rotatedFrom: apiKeys.rotatedFrom,
        lastUsedAt: apiKeys.lastUsedAt,
        createdAt: apiKeys.createdAt,
      })
      .from(apiKeys).where(eq(apiKeys.accountId, id)).orderBy(asc(apiKeys.createdAt)),
    db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, id)).orderBy(asc(ledgerEntries.seq)),
    db.select().from(requests).where(eq(requests.accountId, id)).orderBy(asc(requests.createdAt)),
    db.select().from(disputes).where(eq(disputes.accountId, id)).orderBy(asc(disputes.createdAt)),
    db.select().from(notifications).where(eq(notifications.accountId, id)).orderBy(asc(notifications.createdAt)),
  ]);
  const messages = disputeRows.length
    ? await db
        .select({ disputeId: disputeMessages.disputeId, fromStaff: disputeMessages.fromStaff, body: disputeMessages.body, createdAt: disputeMessages.createdAt })
        .from(disputeMessages)
        .where(inArray(disputeMessages.disputeId, disputeRows.map((d) => d.id)))
        .orderBy(asc(disputeMessages.createdAt))
    : [];
  await writeAudit(db, { accountId: id, actorUserId: ctx.userId, actorKind: "user", action: "account.export", targetType: "account", targetId: id });
  return plain({
    format: "tollgate-account-export/1",
    exportedAt: now.toISOString(),
    account,
    members,
    invitations: invites,
    apiKeys: keys,
    ledger,
    requests: reqs,
    disputes: disputeRows.map((d) => ({ ...d, messages: messages.filter((m) => m.disputeId === d.id) })),
    notifications: notices,
  }) as Record<string, unknown>;
}
