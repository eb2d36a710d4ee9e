// Fixtures for ledger tests: accounts, keys and users written directly (they are not ledger
// data), plus helpers to read balances and assert the ledger invariants.
import { expect } from "vitest";
import { sql } from "drizzle-orm";
import { accounts, apiKeys, memberships, users } from "@/db/schema";
import { rows, type Db } from "@/lib/db";
import { newId, randomBase62 } from "@/lib/ids";
import { verifyLedger } from "@/lib/ledger";

export const USD = 1_000_000n;

export async function makeAccount(db: Db, name = "Acme"): Promise<string> {
  const id = newId("account");
  await db.insert(accounts).values({ id, name });
  return id;
}

export async function makeKey(
  db: Db,
  accountId: string,
  opts: { creditLimitMicros?: bigint; dailySpendCapMicros?: bigint } = {},
): Promise<string> {
  const id = newId("key");
  await db.insert(apiKeys).values({
    id,
    accountId,
    name: "test",
    keyHash: randomBase62(40),
    prefix: "tg_live_",
    last4: "abcd",
    creditLimitMicros: opts.creditLimitMicros ?? null,
    dailySpendCapMicros: opts.dailySpendCapMicros ?? null,
  });
  return id;
}

export async function makeUserWithAccount(db: Db, email: string): Promise<{ userId: string; accountId: string }> {
  const userId = newId("user");
  const accountId = await makeAccount(db, email);
  await db.insert(users).values({ id: userId, email });
  await db.insert(memberships).values({ accountId, userId, role: "owner" });
  return { userId, accountId };
}

export async function accountRow(db: Db, accountId: string): Promise<{ balance: bigint; held: bigint }> {
  const r = await rows<{ balance_micros: string; held_micros: string }>(
    db,
    sql`SELECT balance_micros, held_micros FROM accounts WHERE id = ${accountId}`,
  );
  return { balance: BigInt(r[0].balance_micros), held: BigInt(r[0].held_micros) };
}

export async function keyRow(db: Db, keyId: string): Promise<{ spent: bigint; held: bigint; spendDay: string | null; spendDayMicros: bigint }> {
  const r = await rows<{ spent_micros: string; held_micros: string; spend_day: string | null; spend_day_micros: string }>(
    db,
    sql`SELECT spent_micros, held_micros, spend_day::text AS spend_day, spend_day_micros FROM api_keys WHERE id = ${keyId}`,
  );
  return { spent: BigInt(r[0].spent_micros), held: BigInt(r[0].held_micros), spendDay: r[0].spend_day, spendDayMicros: BigInt(r[0].spend_day_micros) };
}

export async function lots(db: Db, accountId: string): Promise<{ id: string; kind: string; original: bigint; remaining: bigint; expiresAt: Date }[]> {
  const r = await rows<{ id: string; kind: string; original_micros: string; remaining_micros: string; expires_at: string | Date }>(
    db,
    sql`SELECT id, kind, original_micros, remaining_micros, expires_at FROM credit_lots WHERE account_id = ${accountId} ORDER BY created_at, id`,
  );
  return r.map((l) => ({ id: l.id, kind: l.kind, original: BigInt(l.original_micros), remaining: BigInt(l.remaining_micros), expiresAt: new Date(l.expires_at) }));
}

export async function entries(db: Db, accountId: string): Promise<{ id: string; type: string; amount: bigint; balanceAfter: bigint; holdId: string | null }[]> {
  const r = await rows<{ id: string; type: string; amount_micros: string; balance_after_micros: string; hold_id: string | null }>(
    db,
    sql`SELECT id, type, amount_micros, balance_after_micros, hold_id FROM ledger_entries WHERE account_id = ${accountId} ORDER BY seq`,
  );
  return r.map((e) => ({ id: e.id, type: e.type, amount: BigInt(e.amount_micros), balanceAfter: BigInt(e.balance_after_micros), holdId: e.hold_id }));
}

/** Every money test ends here: all ledger invariants hold (for one account or all). */
export async function expectLedgerOk(db: Db, accountId?: string): Promise<void> {
  const v = await verifyLedger(db, accountId);
  expect(v.violations).toEqual([]);
  expect(v.ok).toBe(true);
}

export const sys = { kind: "system" as const };
