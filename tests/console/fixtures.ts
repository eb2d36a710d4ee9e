// Fixtures for console tests: users, accounts and memberships are written directly (test setup);
// money only ever moves through lib/ledger, as in production.
import { expect } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { accounts, memberships, requests, users } from "@/db/schema";
import { rows, type Db } from "@/lib/db";
import { newId } from "@/lib/ids";
import { creditAccount, placeHold, settle, verifyLedger } from "@/lib/ledger";
import type { Role } from "@/lib/auth/permissions";

export const USD = BigInt(1_000_000);

let n = 0;
const uniqueEmail = (tag: string) => `${tag}-${Date.now().toString(36)}-${n++}@example.com`;

export async function makeUser(db: Db, opts: { tag?: string; email?: string; isStaff?: boolean } = {}): Promise<{ userId: string; email: string }> {
  const userId = newId("user");
  const email = opts.email ?? uniqueEmail(opts.tag ?? "user");
  await db.insert(users).values({ id: userId, email, isStaff: opts.isStaff ?? false });
  return { userId, email };
}

export async function makeAccount(db: Db, tag = "acme"): Promise<{ accountId: string; ownerId: string; ownerEmail: string }> {
  const accountId = newId("account");
  await db.insert(accounts).values({ id: accountId, name: `${tag} account` });
  const owner = await makeUser(db, { tag: `${tag}-owner` });
  await db.insert(memberships).values({ accountId, userId: owner.userId, role: "owner" });
  return { accountId, ownerId: owner.userId, ownerEmail: owner.email };
}

export async function addMember(db: Db, accountId: string, role: Role, tag: string = role): Promise<string> {
  const { userId } = await makeUser(db, { tag });
  await db.insert(memberships).values({ accountId, userId, role });
  return userId;
}

export async function roleIn(db: Db, accountId: string, userId: string): Promise<string | null> {
  const [r] = await db.select({ role: memberships.role }).from(memberships).where(and(eq(memberships.accountId, accountId), eq(memberships.userId, userId)));
  return r?.role ?? null;
}

export async function fund(db: Db, accountId: string, micros: bigint): Promise<void> {
  await creditAccount(db, { accountId, kind: "promo", amountMicros: micros, reason: "test funds", actor: { kind: "system" } });
}

/** A settled charge for a (recorded) request, the way the gateway makes one. */
export async function charge(db: Db, accountId: string, micros: bigint, opts: { now?: Date; model?: string } = {}): Promise<{ requestId: string; entryId: string }> {
  const requestId = newId("request");
  const now = opts.now ?? new Date();
  const hold = await placeHold(db, { accountId, requestId, minMicros: micros, maxMicros: micros, now });
  if (!hold.ok) throw new Error(`hold failed: ${hold.code}`);
  await db.insert(requests).values({
    id: requestId,
    accountId,
    model: opts.model ?? "mock-small",
    endpoint: "/v1/chat/completions",
    statusCode: 200,
    inputTokens: 10,
    outputTokens: 16,
    costMicros: micros,
    holdMicros: hold.amountMicros,
    holdId: hold.holdId,
    usageSource: "reported",
    createdAt: now,
    completedAt: now,
  });
  await settle(db, { holdId: hold.holdId, chargeMicros: micros, description: "test charge", now });
  const [entry] = await rows<{ id: string }>(db, sql`SELECT id FROM ledger_entries WHERE request_id = ${requestId} AND type = 'charge'`);
  return { requestId, entryId: entry.id };
}

export async function balance(db: Db, accountId: string): Promise<bigint> {
  const [r] = await rows<{ balance_micros: string }>(db, sql`SELECT balance_micros FROM accounts WHERE id = ${accountId}`);
  return BigInt(r.balance_micros);
}

export async function count(db: Db, query: ReturnType<typeof sql>): Promise<number> {
  const [r] = await rows<{ n: string | number }>(db, query);
  return Number(r.n);
}

export async function expectLedgerOk(db: Db, accountId?: string): Promise<void> {
  const v = await verifyLedger(db, accountId);
  expect(v.violations).toEqual([]);
}

/** The AppError code a promise rejects with. */
export async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return "RESOLVED";
}
