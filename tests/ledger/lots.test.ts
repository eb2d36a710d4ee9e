// Credit lots: FIFO by earliest expiry, paid-lot extension, expiry of remainders, refunds of a
// partly spent purchase, staff adjustments — all with exact micros and a fake clock.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { rows } from "@/lib/db";
import { adjustCredit, creditAccount, expireCredits, getCredits, placeHold, refundPurchase, settle } from "@/lib/ledger";
import { createTestDb, type TestDb } from "../helpers/db";
import { accountRow, entries, expectLedgerOk, lots, makeAccount, sys, USD } from "./fixtures";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t.dispose();
});

const DAY = 86_400_000;
const T0 = new Date("2030-01-01T00:00:00Z");
const at = (days: number) => new Date(T0.getTime() + days * DAY);
let seq = 0;
const rid = () => `req_lots_${++seq}_${Date.now()}`;

async function spend(accountId: string, micros: bigint, now: Date): Promise<void> {
  const h = await placeHold(t.db, { accountId, requestId: rid(), minMicros: 1n, maxMicros: micros, now });
  if (!h.ok) throw new Error(`hold failed: ${h.code}`);
  await settle(t.db, { holdId: h.holdId, chargeMicros: micros, now });
}

async function allocations(entryId: string): Promise<[string, bigint][]> {
  const r = await rows<{ lot_id: string; amount_micros: string }>(
    t.db,
    sql`SELECT lot_id, amount_micros FROM lot_allocations WHERE entry_id = ${entryId} ORDER BY amount_micros DESC`,
  );
  return r.map((x) => [x.lot_id, BigInt(x.amount_micros)]);
}

describe("FIFO consumption", () => {
  it("draws the earliest-expiring lot first: a promo lot, then two paid lots in order", async () => {
    const a = await makeAccount(t.db);
    const paidA = await creditAccount(t.db, { accountId: a, kind: "paid", amountMicros: 2n * USD, stripeSessionId: `cs_${rid()}`, actor: sys, now: at(0) });
    const paidB = await creditAccount(t.db, { accountId: a, kind: "paid", amountMicros: 3n * USD, stripeSessionId: `cs_${rid()}`, actor: sys, now: at(1) });
    const promo = await creditAccount(t.db, { accountId: a, kind: "promo", amountMicros: USD, expiresAt: at(10), actor: sys, now: at(2) });

    await spend(a, 1_500_000n, at(3));
    let ls = await lots(t.db, a);
    const rem = (id: string) => ls.find((l) => l.id === id)!.remaining;
    expect([rem(promo.lotId), rem(paidA.lotId), rem(paidB.lotId)]).toEqual([0n, 1_500_000n, 3n * USD]);

    await spend(a, 2n * USD, at(4));
    ls = await lots(t.db, a);
    expect([rem(promo.lotId), rem(paidA.lotId), rem(paidB.lotId)]).toEqual([0n, 0n, 2_500_000n]);
    const lastCharge = (await entries(t.db, a)).filter((e) => e.type === "charge").at(-1)!;
    expect(await allocations(lastCharge.id)).toEqual([
      [paidA.lotId, 1_500_000n],
      [paidB.lotId, 500_000n],
    ]);
    expect(await accountRow(t.db, a)).toEqual({ balance: 2_500_000n, held: 0n });
    await expectLedgerOk(t.db, a);
  });
});

describe("paid lot expiry", () => {
  it("a new paid top-up extends every unexpired paid lot, never grants or promos", async () => {
    const a = await makeAccount(t.db);
    const first = await creditAccount(t.db, { accountId: a, kind: "paid", amountMicros: USD, stripeSessionId: `cs_${rid()}`, actor: sys, now: at(0) });
    const grant = await creditAccount(t.db, { accountId: a, kind: "grant", amountMicros: USD, expiresAt: at(200), actor: sys, now: at(0) });
    expect((await lots(t.db, a)).find((l) => l.id === first.lotId)!.expiresAt).toEqual(at(365));
    await creditAccount(t.db, { accountId: a, kind: "paid", amountMicros: USD, stripeSessionId: `cs_${rid()}`, actor: sys, now: at(100) });
    const ls = await lots(t.db, a);
    expect(ls.find((l) => l.id === first.lotId)!.expiresAt).toEqual(at(465));
    expect(ls.find((l) => l.id === grant.lotId)!.expiresAt).toEqual(at(200));
    const last = await rows<{ last_paid_topup_at: string | Date }>(t.db, sql`SELECT last_paid_topup_at FROM accounts WHERE id = ${a}`);
    expect(new Date(last[0].last_paid_topup_at)).toEqual(at(100));
    await expectLedgerOk(t.db, a);
  });

  it("a top-up after a paid lot expired does not revive it; the expiry job takes its remainder", async () => {
    const a = await makeAccount(t.db);
    const old = await creditAccount(t.db, { accountId: a, kind: "paid", amountMicros: USD, stripeSessionId: `cs_${rid()}`, actor: sys, now: at(0) });
    await spend(a, 250_000n, at(5));
    const fresh = await creditAccount(t.db, { accountId: a, kind: "paid", amountMicros: 2n * USD, stripeSessionId: `cs_${rid()}`, actor: sys, now: at(366) });
    expect((await lots(t.db, a)).find((l) => l.id === old.lotId)!.expiresAt).toEqual(at(365));
    // expireCredits is global; other tests' lots may be due too, so check this account's entry.
    expect((await expireCredits(t.db, at(366))).micros).toBeGreaterThanOrEqual(750_000n);
    expect((await entries(t.db, a)).filter((e) => e.type === "expiry").map((e) => e.amount)).toEqual([-750_000n]);
    const ls = await lots(t.db, a);
    expect(ls.find((l) => l.id === old.lotId)!.remaining).toBe(0n);
    expect(ls.find((l) => l.id === fresh.lotId)!.remaining).toBe(2n * USD);
    expect(await accountRow(t.db, a)).toEqual({ balance: 2n * USD, held: 0n });
    await expectLedgerOk(t.db, a);
  });
});

describe("expireCredits", () => {
  it("expires exactly the unspent remainder once, even with several runners", async () => {
    const a = await makeAccount(t.db);
    const promo = await creditAccount(t.db, { accountId: a, kind: "promo", amountMicros: USD, expiresAt: at(30), actor: sys, now: at(0) });
    const grant = await creditAccount(t.db, { accountId: a, kind: "grant", amountMicros: 500_000n, expiresAt: at(90), actor: sys, now: at(0) });
    await spend(a, 333_333n, at(1));
    expect((await getCredits(t.db, a, at(1))).expiringNext30DaysMicros).toBe(666_667n);
    await expireCredits(t.db, at(29));
    expect((await entries(t.db, a)).filter((e) => e.type === "expiry")).toEqual([]);

    const runs = await Promise.all([expireCredits(t.db, at(31)), expireCredits(t.db, at(31)), expireCredits(t.db, at(31))]);
    const mine = runs.reduce((s, r) => s + r.micros, 0n);
    expect(mine).toBeGreaterThanOrEqual(666_667n); // other accounts' lots may be due too
    const es = (await entries(t.db, a)).filter((e) => e.type === "expiry");
    expect(es.map((e) => [e.amount, e.balanceAfter])).toEqual([[-666_667n, 500_000n]]);
    expect(await allocations(es[0].id)).toEqual([[promo.lotId, 666_667n]]);
    const ls = await lots(t.db, a);
    expect(ls.find((l) => l.id === grant.lotId)!.remaining).toBe(500_000n);
    expect(await accountRow(t.db, a)).toEqual({ balance: 500_000n, held: 0n });
    expect((await expireCredits(t.db, at(31))).lotsExpired).toBe(0); // nothing left due at that time
    await expectLedgerOk(t.db, a);
  });
});

describe("refundPurchase", () => {
  it("takes back only what is left of that purchase's lot and reports the rest", async () => {
    const a = await makeAccount(t.db);
    const session = `cs_${rid()}`;
    const paid = await creditAccount(t.db, { accountId: a, kind: "paid", amountMicros: 10n * USD, stripeSessionId: session, stripePaymentIntentId: `pi_${session}`, actor: sys, now: at(0) });
    const promo = await creditAccount(t.db, { accountId: a, kind: "promo", amountMicros: USD, expiresAt: at(400), actor: sys, now: at(0) });
    await spend(a, 7_500_000n, at(1)); // from the paid lot (earlier expiry)

    const r1 = await refundPurchase(t.db, { stripeRefundId: `re_1_${session}`, stripePaymentIntentId: `pi_${session}`, amountMicros: 10n * USD });
    expect(r1).toMatchObject({ created: true, amountMicros: 2_500_000n, unrecoveredMicros: 7_500_000n });
    expect(await refundPurchase(t.db, { stripeRefundId: `re_1_${session}`, stripePaymentIntentId: `pi_${session}`, amountMicros: 10n * USD })).toMatchObject({
      created: false,
      entryId: r1.entryId,
      amountMicros: 2_500_000n,
    });
    const ls = await lots(t.db, a);
    expect(ls.find((l) => l.id === paid.lotId)!.remaining).toBe(0n);
    expect(ls.find((l) => l.id === promo.lotId)!.remaining).toBe(USD);
    expect(await accountRow(t.db, a)).toEqual({ balance: USD, held: 0n });

    // A second refund finds nothing left: recorded as a zero entry, nothing taken.
    const r2 = await refundPurchase(t.db, { stripeRefundId: `re_2_${session}`, stripeSessionId: session, amountMicros: USD });
    expect(r2).toMatchObject({ created: true, amountMicros: 0n, unrecoveredMicros: USD });
    expect(await accountRow(t.db, a)).toEqual({ balance: USD, held: 0n });
    await expectLedgerOk(t.db, a);
  });

  it("a partial refund of an unspent purchase takes exactly the refunded amount", async () => {
    const a = await makeAccount(t.db);
    const session = `cs_${rid()}`;
    await creditAccount(t.db, { accountId: a, kind: "paid", amountMicros: 5n * USD, stripeSessionId: session, actor: sys });
    expect(await refundPurchase(t.db, { stripeRefundId: `re_${session}`, stripeSessionId: session, amountMicros: 1_234_567n })).toMatchObject({ created: true, amountMicros: 1_234_567n, unrecoveredMicros: 0n });
    expect(await accountRow(t.db, a)).toEqual({ balance: 5n * USD - 1_234_567n, held: 0n });
    await expect(refundPurchase(t.db, { stripeRefundId: `re_x_${session}`, stripeSessionId: "cs_unknown", amountMicros: 1n })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(refundPurchase(t.db, { stripeRefundId: `re_y_${session}`, stripeSessionId: session, amountMicros: 0n })).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    await expectLedgerOk(t.db, a);
  });
});

describe("adjustCredit and creditAccount input", () => {
  it("credits with a grant lot, debits FIFO, and never debits below zero", async () => {
    const a = await makeAccount(t.db);
    await creditAccount(t.db, { accountId: a, kind: "grant", amountMicros: USD, actor: sys });
    const plus = await adjustCredit(t.db, { accountId: a, amountMicros: 400_000n, reason: "goodwill", actor: { kind: "staff", userId: null } });
    expect(plus.created).toBe(true);
    expect(plus.lotId).toMatch(/^lot_/);
    const minus = await adjustCredit(t.db, { accountId: a, amountMicros: -1_200_000n, reason: "correction", actor: { kind: "staff", userId: null } });
    expect(minus).toMatchObject({ created: true, lotId: null });
    expect(await accountRow(t.db, a)).toEqual({ balance: 200_000n, held: 0n });
    await expect(adjustCredit(t.db, { accountId: a, amountMicros: -200_001n, reason: "too much", actor: { kind: "staff", userId: null } })).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    await expect(adjustCredit(t.db, { accountId: a, amountMicros: 0n, reason: "zero", actor: { kind: "staff", userId: null } })).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    await expect(adjustCredit(t.db, { accountId: a, amountMicros: 5n, reason: " ", actor: { kind: "staff", userId: null } })).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    const audits = await rows<{ action: string }>(t.db, sql`SELECT action FROM audit_log WHERE account_id = ${a} ORDER BY created_at`);
    expect(audits.map((x) => x.action)).toEqual(["credit.grant", "credit.adjust", "credit.adjust"]);
    expect(await accountRow(t.db, a)).toEqual({ balance: 200_000n, held: 0n });
    await expectLedgerOk(t.db, a);
  });

  it("rejects bad credits without writing anything", async () => {
    const a = await makeAccount(t.db);
    await expect(creditAccount(t.db, { accountId: a, kind: "grant", amountMicros: 0n, actor: sys })).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    await expect(creditAccount(t.db, { accountId: a, kind: "grant", amountMicros: -5n, actor: sys })).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    await expect(creditAccount(t.db, { accountId: a, kind: "bogus" as "grant", amountMicros: 5n, actor: sys })).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    await expect(creditAccount(t.db, { accountId: a, kind: "promo", amountMicros: 5n, expiresAt: at(-1), actor: sys, now: at(0) })).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    await expect(creditAccount(t.db, { accountId: a, kind: "grant", amountMicros: 5n, reason: "x".repeat(501), actor: sys })).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    await expect(creditAccount(t.db, { accountId: "acct_missing", kind: "grant", amountMicros: 5n, actor: sys })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await accountRow(t.db, a)).toEqual({ balance: 0n, held: 0n });
    expect(await lots(t.db, a)).toEqual([]);
    await expectLedgerOk(t.db);
  });
});
