// verifyLedger must catch every kind of corruption it claims to check: each case breaks one
// account's books behind the ledger's back (raw SQL) and expects the named rule to fire.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { rows } from "@/lib/db";
import { creditAccount, LEDGER_RULES, placeHold, settle, verifyLedger } from "@/lib/ledger";
import { newId } from "@/lib/ids";
import { createTestDb, type TestDb } from "../helpers/db";
import { makeAccount, makeKey, sys, USD } from "./fixtures";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t.dispose();
});

let seq = 0;

/** A healthy account with a key, a settled charge and a pending hold. */
async function healthy(): Promise<{ a: string; k: string; settledHold: string; pendingHold: string; lotId: string; chargeId: string }> {
  const a = await makeAccount(t.db);
  const k = await makeKey(t.db, a, { dailySpendCapMicros: 10n * USD });
  const { lotId } = await creditAccount(t.db, { accountId: a, kind: "grant", amountMicros: 5n * USD, actor: sys });
  const h1 = await placeHold(t.db, { accountId: a, keyId: k, requestId: `req_v_${++seq}`, minMicros: 1n, maxMicros: USD });
  const h2 = await placeHold(t.db, { accountId: a, keyId: k, requestId: `req_v_${++seq}`, minMicros: 1n, maxMicros: USD });
  if (!h1.ok || !h2.ok) throw new Error("hold failed");
  await settle(t.db, { holdId: h1.holdId, chargeMicros: 400_000n });
  const c = await rows<{ id: string }>(t.db, sql`SELECT id FROM ledger_entries WHERE hold_id = ${h1.holdId}`);
  expect(await verifyLedger(t.db, a)).toEqual({ ok: true, violations: [] });
  return { a, k, settledHold: h1.holdId, pendingHold: h2.holdId, lotId, chargeId: c[0].id };
}

const CASES: { rule: string; corrupt: (h: Awaited<ReturnType<typeof healthy>>) => ReturnType<typeof sql> }[] = [
  { rule: "balance_equals_entries", corrupt: ({ a }) => sql`UPDATE accounts SET balance_micros = balance_micros + 1 WHERE id = ${a}` },
  {
    rule: "balance_after_sequence",
    corrupt: ({ a }) => sql`
      WITH l AS (INSERT INTO credit_lots (id, account_id, kind, original_micros, remaining_micros, expires_at)
                 VALUES (${newId("lot")}, ${a}, 'grant', 7, 7, now() + interval '1 day') RETURNING id),
           e AS (INSERT INTO ledger_entries (id, account_id, type, amount_micros, balance_after_micros, lot_id)
                 SELECT ${newId("entry")}, ${a}, 'grant', 7, 1, l.id FROM l)
      UPDATE accounts SET balance_micros = balance_micros + 7 WHERE id = ${a}`,
  },
  { rule: "lots_equal_positive_balance", corrupt: ({ lotId }) => sql`UPDATE credit_lots SET remaining_micros = remaining_micros - 1 WHERE id = ${lotId}` },
  { rule: "account_held_equals_pending_holds", corrupt: ({ a }) => sql`UPDATE accounts SET held_micros = held_micros + 1 WHERE id = ${a}` },
  { rule: "key_held_and_spent", corrupt: ({ k }) => sql`UPDATE api_keys SET spent_micros = spent_micros + 1 WHERE id = ${k}` },
  { rule: "key_daily_spend", corrupt: ({ k }) => sql`UPDATE api_keys SET spend_day_micros = spend_day_micros + 1 WHERE id = ${k}` },
  { rule: "hold_settled_once", corrupt: ({ pendingHold }) => sql`UPDATE holds SET charged_micros = 5 WHERE id = ${pendingHold}` },
  { rule: "hold_settled_once", corrupt: ({ settledHold }) => sql`UPDATE holds SET status = 'released' WHERE id = ${settledHold}` },
  { rule: "lot_allocations_add_up", corrupt: ({ chargeId }) => sql`DELETE FROM lot_allocations WHERE entry_id = ${chargeId}` },
  { rule: "entry_allocations_bounded", corrupt: ({ chargeId }) => sql`UPDATE lot_allocations SET amount_micros = amount_micros + 1 WHERE entry_id = ${chargeId}` },
  {
    rule: "credit_entry_has_lot",
    corrupt: ({ a }) => sql`
      INSERT INTO ledger_entries (id, account_id, type, amount_micros, balance_after_micros)
      SELECT ${newId("entry")}, ${a}, 'adjustment', 1, balance_micros + 1 FROM accounts WHERE id = ${a}`,
  },
  { rule: "expired_lot_is_empty", corrupt: ({ lotId }) => sql`UPDATE credit_lots SET expired_at = now() WHERE id = ${lotId}` },
];

describe("verifyLedger", () => {
  it("covers every rule it declares", () => {
    expect(new Set(CASES.map((c) => c.rule))).toEqual(new Set(LEDGER_RULES));
  });

  for (const [i, c] of CASES.entries()) {
    it(`detects ${c.rule} (#${i})`, async () => {
      const h = await healthy();
      await t.db.execute(c.corrupt(h));
      const one = await verifyLedger(t.db, h.a);
      expect(one.ok).toBe(false);
      expect(one.violations.map((v) => v.rule)).toContain(c.rule);
      for (const v of one.violations) expect(v.accountId).toBe(h.a);
      // The all-accounts run reports it too, attributed to the same account.
      const all = await verifyLedger(t.db);
      expect(all.violations.some((v) => v.rule === c.rule && v.accountId === h.a)).toBe(true);
    });
  }

  it("reports nothing for an untouched account among corrupted ones", async () => {
    const h = await healthy();
    expect(await verifyLedger(t.db, h.a)).toEqual({ ok: true, violations: [] });
  });
});
