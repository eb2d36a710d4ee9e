// Staff view of customer accounts: search, detail, and audited credit grants.
import { and, desc, eq, gte, ilike, lt, or, sql, type SQL } from "drizzle-orm";
import { accounts, apiKeys, auditLog, disputes, ledgerEntries, memberships, users } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { writeAudit } from "@/lib/audit";
import { AppError } from "@/lib/errors";
import { creditAccount } from "@/lib/ledger";
import { requireStaff } from "@/lib/accounts/authorize";
import { decodeCursor, encodeCursor } from "@/lib/accounts/cursor";
import type { GrantInput } from "./schemas";

export interface StaffCtx {
  userId: string;
}

export interface AccountRow {
  id: string;
  name: string;
  balanceMicros: bigint;
  heldMicros: bigint;
  createdAt: Date;
  memberCount: number;
  ownerEmail: string | null;
}

function escapeLike(q: string): string {
  return q.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export async function searchAccounts(db: DbOrTx, ctx: StaffCtx, opts: { q?: string; cursor?: string; limit?: number } = {}): Promise<{ rows: AccountRow[]; nextCursor: string | null }> {
  await requireStaff(db, ctx.userId);
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200);
  const where: SQL[] = [];
  const q = opts.q?.trim().slice(0, 200);
  if (q) {
    const pattern = `%${escapeLike(q)}%`;
    where.push(
      or(
        eq(accounts.id, q),
        ilike(accounts.name, pattern),
        sql`EXISTS (SELECT 1 FROM ${memberships} m JOIN ${users} u ON u.id = m.user_id WHERE m.account_id = ${accounts.id} AND u.email ILIKE ${pattern})`,
      )!,
    );
  }
  const cursor = decodeCursor(opts.cursor);
  if (cursor?.length === 2 && typeof cursor[0] === "string" && typeof cursor[1] === "string") {
    const at = new Date(cursor[0]);
    if (!Number.isNaN(at.getTime())) where.push(or(lt(accounts.createdAt, at), and(eq(accounts.createdAt, at), lt(accounts.id, cursor[1])))!);
  }
  const found = await db
    .select({
      id: accounts.id,
      name: accounts.name,
      balanceMicros: accounts.balanceMicros,
      heldMicros: accounts.heldMicros,
      createdAt: accounts.createdAt,
      memberCount: sql<number>`(SELECT count(*)::int FROM ${memberships} m WHERE m.account_id = ${accounts.id})`,
      ownerEmail: sql<string | null>`(SELECT u.email FROM ${memberships} m JOIN ${users} u ON u.id = m.user_id WHERE m.account_id = ${accounts.id} AND m.role = 'owner' ORDER BY m.created_at LIMIT 1)`,
    })
    .from(accounts)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(accounts.createdAt), desc(accounts.id))
    .limit(limit + 1);
  const page = found.slice(0, limit).map((r) => ({ ...r, memberCount: Number(r.memberCount) }));
  const last = page[page.length - 1];
  return { rows: page, nextCursor: found.length > limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null };
}

export async function getAccountForStaff(db: DbOrTx, ctx: StaffCtx, accountId: string) {
  await requireStaff(db, ctx.userId);
  const [account] = await db.select().from(accounts).where(eq(accounts.id, accountId)).limit(1);
  if (!account) return null;
  const [members, keyCounts, recentEntries, openDisputes] = await Promise.all([
    db
      .select({ userId: users.id, email: users.email, role: memberships.role, createdAt: memberships.createdAt })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(eq(memberships.accountId, accountId))
      .orderBy(memberships.createdAt),
    db
      .select({ total: sql<number>`count(*)::int`, active: sql<number>`count(*) FILTER (WHERE ${apiKeys.revokedAt} IS NULL)::int` })
      .from(apiKeys)
      .where(eq(apiKeys.accountId, accountId)),
    db
      .select({ id: ledgerEntries.id, type: ledgerEntries.type, amountMicros: ledgerEntries.amountMicros, balanceAfterMicros: ledgerEntries.balanceAfterMicros, description: ledgerEntries.description, createdAt: ledgerEntries.createdAt })
      .from(ledgerEntries)
      .where(eq(ledgerEntries.accountId, accountId))
      .orderBy(desc(ledgerEntries.seq))
      .limit(20),
    db
      .select({ n: sql<number>`count(*)::int` })
      .from(disputes)
      .where(and(eq(disputes.accountId, accountId), sql`${disputes.status} IN ('open', 'under_review')`)),
  ]);
  return {
    account,
    members,
    keys: { total: Number(keyCounts[0]?.total ?? 0), active: Number(keyCounts[0]?.active ?? 0) },
    recentEntries,
    openDisputes: Number(openDisputes[0]?.n ?? 0),
  };
}

export interface GrantResult {
  created: boolean;
  lotId: string;
  entryId: string;
}

/**
 * A staff credit grant: a `grant` lot + ledger entry through the ledger, recorded with the
 * staff actor. The form nonce makes a double submit grant once: the second call waits on the
 * advisory lock, then finds the first one's audit row and returns its result.
 */
export async function grantCredits(db: DbOrTx, ctx: StaffCtx, input: GrantInput, now = new Date()): Promise<GrantResult> {
  await requireStaff(db, ctx.userId);
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`grant:${input.idempotencyKey}`}, 0))`);
    const [previous] = await tx
      .select({ data: auditLog.data, accountId: auditLog.accountId })
      .from(auditLog)
      .where(
        and(
          // The time bound lets the created_at index narrow the scan; a nonce is only reused by a resubmit.
          gte(auditLog.createdAt, new Date(now.getTime() - 86_400_000)),
          eq(auditLog.action, "staff.grant"),
          sql`${auditLog.data}->>'idempotencyKey' = ${input.idempotencyKey}`,
        ),
      )
      .limit(1);
    if (previous) {
      const data = previous.data as { lotId: string; entryId: string };
      if (previous.accountId !== input.accountId) throw new AppError("CONFLICT", "This grant form was already used for another account; reload the page.");
      return { created: false, lotId: data.lotId, entryId: data.entryId };
    }
    const [account] = await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, input.accountId)).limit(1);
    if (!account) throw new AppError("NOT_FOUND", "Account not found.");
    const result = await creditAccount(tx, {
      accountId: input.accountId,
      kind: "grant",
      amountMicros: input.amountUsd,
      expiresAt: new Date(now.getTime() + input.expiresInDays * 86_400_000),
      reason: input.reason,
      actor: { kind: "staff", userId: ctx.userId },
      now,
    });
    await writeAudit(tx, {
      accountId: input.accountId,
      actorUserId: ctx.userId,
      actorKind: "staff",
      action: "staff.grant",
      targetType: "account",
      targetId: input.accountId,
      data: { idempotencyKey: input.idempotencyKey, amountMicros: input.amountUsd, reason: input.reason, expiresInDays: input.expiresInDays, lotId: result.lotId, entryId: result.entryId },
    });
    return { created: true, lotId: result.lotId, entryId: result.entryId };
  });
}
