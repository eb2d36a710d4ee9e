// Holds and settlement with exact amounts: hold / settle / release, clamping, overage into a
// negative balance and the next credit paying that debt, BYOK fees, idempotency, bad input.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { rows } from "@/lib/db";
import { creditAccount, getCredits, placeHold, releaseHold, settle, sweepHolds } from "@/lib/ledger";
import { createTestDb, type TestDb } from "../helpers/db";
import { accountRow, entries, expectLedgerOk, keyRow, lots, makeAccount, makeKey, sys, USD } from "./fixtures";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t.dispose();
});

let seq = 0;
const rid = () => `req_hs_${++seq}_${Date.now()}`;

async function funded(micros: bigint): Promise<string> {
  const a = await makeAccount(t.db);
  await creditAccount(t.db, { accountId: a, kind: "grant", amountMicros: micros, actor: sys });
  return a;
}

describe("placeHold", () => {
  it("holds the max when affordable and moves held, not balance", async () => {
    const a = await funded(10n * USD);
    const h = await placeHold(t.db, { accountId: a, requestId: rid(), minMicros: 1_000n, maxMicros: 2_500_000n });
    expect(h).toEqual({ ok: true, holdId: expect.stringMatching(/^hold_/), amountMicros: 2_500_000n });
    expect(await accountRow(t.db, a)).toEqual({ balance: 10n * USD, held: 2_500_000n });
    expect(await getCredits(t.db, a)).toMatchObject({ balanceMicros: 10n * USD, heldMicros: 2_500_000n, availableMicros: 7_500_000n });
    await expectLedgerOk(t.db, a);
  });

  it("clamps to what is available when at least min is, and refuses below min", async () => {
    const a = await funded(1_000_000n);
    const first = await placeHold(t.db, { accountId: a, requestId: rid(), minMicros: 100_000n, maxMicros: 700_000n });
    expect(first).toMatchObject({ ok: true, amountMicros: 700_000n });
    const clamped = await placeHold(t.db, { accountId: a, requestId: rid(), minMicros: 100_000n, maxMicros: 700_000n });
    expect(clamped).toMatchObject({ ok: true, amountMicros: 300_000n });
    const refused = await placeHold(t.db, { accountId: a, requestId: rid(), minMicros: 1n, maxMicros: 700_000n });
    expect(refused).toEqual({ ok: false, code: "INSUFFICIENT_CREDITS", availableMicros: 0n });
    expect(await accountRow(t.db, a)).toEqual({ balance: 1_000_000n, held: 1_000_000n });
    await expectLedgerOk(t.db, a);
  });

  it("reports what is available when min is not", async () => {
    const a = await funded(50_000n);
    const r = await placeHold(t.db, { accountId: a, requestId: rid(), minMicros: 60_000n, maxMicros: 90_000n });
    expect(r).toEqual({ ok: false, code: "INSUFFICIENT_CREDITS", availableMicros: 50_000n });
    const n = await rows<{ n: string }>(t.db, sql`SELECT COUNT(*) AS n FROM holds WHERE account_id = ${a}`);
    expect(Number(n[0].n)).toBe(0);
    await expectLedgerOk(t.db, a);
  });

  it("treats max below min as 'exactly max'", async () => {
    const a = await funded(1_000n);
    expect(await placeHold(t.db, { accountId: a, requestId: rid(), minMicros: 5_000n, maxMicros: 800n })).toMatchObject({ ok: true, amountMicros: 800n });
    expect(await placeHold(t.db, { accountId: a, requestId: rid(), minMicros: 5_000n, maxMicros: 800n })).toMatchObject({ ok: false, code: "INSUFFICIENT_CREDITS", availableMicros: 200n });
  });

  it("rejects bad input, unknown accounts/keys and a reused request id without writing anything", async () => {
    const a = await funded(USD);
    const other = await makeAccount(t.db);
    const foreignKey = await makeKey(t.db, other);
    await expect(placeHold(t.db, { accountId: a, requestId: rid(), minMicros: 0n, maxMicros: 10n })).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    await expect(placeHold(t.db, { accountId: a, requestId: rid(), minMicros: 1n, maxMicros: -5n })).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    await expect(placeHold(t.db, { accountId: a, requestId: rid(), minMicros: 1n, maxMicros: 5n, ttlSeconds: 0 })).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    await expect(placeHold(t.db, { accountId: "acct_nope", requestId: rid(), minMicros: 1n, maxMicros: 5n })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(placeHold(t.db, { accountId: a, keyId: foreignKey, requestId: rid(), minMicros: 1n, maxMicros: 5n })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const reused = rid();
    expect((await placeHold(t.db, { accountId: a, requestId: reused, minMicros: 1n, maxMicros: 5n })).ok).toBe(true);
    await expect(placeHold(t.db, { accountId: a, requestId: reused, minMicros: 1n, maxMicros: 7n })).rejects.toMatchObject({ code: "CONFLICT" });
    expect(await accountRow(t.db, a)).toEqual({ balance: USD, held: 5n });
    await expectLedgerOk(t.db);
  });
});

describe("settle / releaseHold", () => {
  it("charges exactly, releases the rest, and is idempotent", async () => {
    const a = await funded(10n * USD);
    const k = await makeKey(t.db, a);
    const h = await placeHold(t.db, { accountId: a, keyId: k, requestId: rid(), minMicros: 1n, maxMicros: 2n * USD });
    if (!h.ok) throw new Error("hold failed");
    const s1 = await settle(t.db, { holdId: h.holdId, chargeMicros: 123_457n, description: "mock-small 10/20 tokens" });
    expect(s1).toEqual({ status: "settled", chargedMicros: 123_457n, balanceAfterMicros: 10n * USD - 123_457n });
    const s2 = await settle(t.db, { holdId: h.holdId, chargeMicros: 999n });
    expect(s2).toEqual({ status: "already_settled", chargedMicros: 123_457n, balanceAfterMicros: 10n * USD - 123_457n });
    expect(await releaseHold(t.db, h.holdId)).toMatchObject({ status: "already_settled", chargedMicros: 123_457n });
    expect(await accountRow(t.db, a)).toEqual({ balance: 10n * USD - 123_457n, held: 0n });
    expect(await keyRow(t.db, k)).toMatchObject({ spent: 123_457n, held: 0n });
    const es = await entries(t.db, a);
    expect(es.map((e) => [e.type, e.amount, e.balanceAfter])).toEqual([
      ["grant", 10n * USD, 10n * USD],
      ["charge", -123_457n, 10n * USD - 123_457n],
    ]);
    expect(es[1].holdId).toBe(h.holdId);
    expect((await lots(t.db, a))[0].remaining).toBe(10n * USD - 123_457n);
    await expectLedgerOk(t.db, a);
  });

  it("release writes no entry and frees the hold", async () => {
    const a = await funded(USD);
    const h = await placeHold(t.db, { accountId: a, requestId: rid(), minMicros: 1n, maxMicros: 400_000n });
    if (!h.ok) throw new Error("hold failed");
    expect(await releaseHold(t.db, h.holdId)).toEqual({ status: "settled", chargedMicros: 0n, balanceAfterMicros: USD });
    expect(await accountRow(t.db, a)).toEqual({ balance: USD, held: 0n });
    const st = await rows<{ status: string }>(t.db, sql`SELECT status FROM holds WHERE id = ${h.holdId}`);
    expect(st[0].status).toBe("released");
    expect((await entries(t.db, a)).length).toBe(1);
    await expectLedgerOk(t.db, a);
  });

  it("a charge above the hold drives the balance negative; the next credit pays the debt first", async () => {
    const a = await funded(1_000_000n);
    const h = await placeHold(t.db, { accountId: a, requestId: rid(), minMicros: 1n, maxMicros: 1_000_000n });
    if (!h.ok) throw new Error("hold failed");
    const s = await settle(t.db, { holdId: h.holdId, chargeMicros: 1_250_000n });
    expect(s.balanceAfterMicros).toBe(-250_000n);
    expect(await accountRow(t.db, a)).toEqual({ balance: -250_000n, held: 0n });
    // Nothing more can be held while in debt.
    expect(await placeHold(t.db, { accountId: a, requestId: rid(), minMicros: 1n, maxMicros: 10n })).toEqual({ ok: false, code: "INSUFFICIENT_CREDITS", availableMicros: 0n });
    await expectLedgerOk(t.db, a);

    const small = await creditAccount(t.db, { accountId: a, kind: "promo", amountMicros: 100_000n, actor: sys });
    expect(await accountRow(t.db, a)).toEqual({ balance: -150_000n, held: 0n });
    const lotsAfterSmall = await lots(t.db, a);
    expect(lotsAfterSmall.find((l) => l.id === small.lotId)?.remaining).toBe(0n);
    await expectLedgerOk(t.db, a);

    const paid = await creditAccount(t.db, { accountId: a, kind: "paid", amountMicros: 5_000_000n, stripeSessionId: `cs_test_${rid()}`, actor: sys });
    expect(await accountRow(t.db, a)).toEqual({ balance: 4_850_000n, held: 0n });
    expect((await lots(t.db, a)).find((l) => l.id === paid.lotId)?.remaining).toBe(4_850_000n);
    const es = await entries(t.db, a);
    expect(es.map((e) => [e.type, e.amount, e.balanceAfter])).toEqual([
      ["grant", 1_000_000n, 1_000_000n],
      ["charge", -1_250_000n, -250_000n],
      ["grant", 100_000n, -150_000n],
      ["topup", 5_000_000n, 4_850_000n],
    ]);
    await expectLedgerOk(t.db, a);
  });

  it("records a BYOK fee as its own entry and counts it against the key", async () => {
    const a = await funded(USD);
    const k = await makeKey(t.db, a, { creditLimitMicros: 500_000n });
    const h = await placeHold(t.db, { accountId: a, keyId: k, requestId: rid(), minMicros: 1n, maxMicros: 100_000n });
    if (!h.ok) throw new Error("hold failed");
    const s = await settle(t.db, { holdId: h.holdId, chargeMicros: 0n, byokFeeMicros: 10_000n });
    expect(s).toEqual({ status: "settled", chargedMicros: 10_000n, balanceAfterMicros: USD - 10_000n });
    const es = await entries(t.db, a);
    expect(es.map((e) => [e.type, e.amount])).toEqual([
      ["grant", USD],
      ["byok_fee", -10_000n],
    ]);
    const h2 = await placeHold(t.db, { accountId: a, keyId: k, requestId: rid(), minMicros: 1n, maxMicros: 100_000n });
    if (!h2.ok) throw new Error("hold failed");
    await settle(t.db, { holdId: h2.holdId, chargeMicros: 40_000n, byokFeeMicros: 10_000n });
    expect(await keyRow(t.db, k)).toMatchObject({ spent: 60_000n, held: 0n });
    expect((await entries(t.db, a)).slice(-2).map((e) => [e.type, e.amount, e.balanceAfter])).toEqual([
      ["charge", -40_000n, USD - 50_000n],
      ["byok_fee", -10_000n, USD - 60_000n],
    ]);
    await expectLedgerOk(t.db, a);
  });

  it("rejects negative charges and unknown holds", async () => {
    const a = await funded(USD);
    const h = await placeHold(t.db, { accountId: a, requestId: rid(), minMicros: 1n, maxMicros: 10n });
    if (!h.ok) throw new Error("hold failed");
    await expect(settle(t.db, { holdId: h.holdId, chargeMicros: -1n })).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    await expect(settle(t.db, { holdId: h.holdId, chargeMicros: 1n, byokFeeMicros: -1n })).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    await expect(settle(t.db, { holdId: "hold_missing", chargeMicros: 1n })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await accountRow(t.db, a)).toEqual({ balance: USD, held: 10n });
    await expectLedgerOk(t.db, a);
  });

  it("composes inside a caller's transaction and rolls back with it", async () => {
    const a = await funded(USD);
    const h = await placeHold(t.db, { accountId: a, requestId: rid(), minMicros: 1n, maxMicros: 300_000n });
    if (!h.ok) throw new Error("hold failed");
    await expect(
      t.db.transaction(async (tx) => {
        await settle(tx, { holdId: h.holdId, chargeMicros: 200_000n });
        throw new Error("caller failed after settling");
      }),
    ).rejects.toThrow("caller failed");
    expect(await accountRow(t.db, a)).toEqual({ balance: USD, held: 300_000n });
    await t.db.transaction(async (tx) => {
      expect((await settle(tx, { holdId: h.holdId, chargeMicros: 200_000n })).status).toBe("settled");
    });
    expect(await accountRow(t.db, a)).toEqual({ balance: 800_000n, held: 0n });
    await expectLedgerOk(t.db, a);
  });
});

describe("sweepHolds", () => {
  it("releases only pending holds past their expiry", async () => {
    const a = await funded(USD);
    const k = await makeKey(t.db, a, { dailySpendCapMicros: USD });
    // Placed an hour ago (fake clock); swept with the database clock, so holds of other tests
    // in this file (real clock, 15 min TTL) are not due.
    const now = new Date(Date.now() - 3_600_000);
    const short = await placeHold(t.db, { accountId: a, keyId: k, requestId: rid(), minMicros: 1n, maxMicros: 100n, ttlSeconds: 60, now });
    const long = await placeHold(t.db, { accountId: a, keyId: k, requestId: rid(), minMicros: 1n, maxMicros: 200n, ttlSeconds: 7200, now });
    const settled = await placeHold(t.db, { accountId: a, keyId: k, requestId: rid(), minMicros: 1n, maxMicros: 300n, ttlSeconds: 60, now });
    if (!short.ok || !long.ok || !settled.ok) throw new Error("hold failed");
    await settle(t.db, { holdId: settled.holdId, chargeMicros: 250n, now });
    expect(await sweepHolds(t.db)).toBe(1);
    expect(await sweepHolds(t.db)).toBe(0);
    expect(await accountRow(t.db, a)).toEqual({ balance: USD - 250n, held: 200n });
    // The late settle of a swept hold changes nothing.
    expect(await settle(t.db, { holdId: short.holdId, chargeMicros: 100n })).toMatchObject({ status: "already_settled", chargedMicros: 0n });
    await expectLedgerOk(t.db, a);
  });
});
