// Money under parallel calls: every test fires many concurrent ledger calls (Promise.all) at
// one account and checks exact outcomes plus every ledger invariant afterwards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { rows } from "@/lib/db";
import { adjustCredit, creditAccount, placeHold, refundPurchase, releaseHold, settle, sweepHolds, type PlaceHoldResult } from "@/lib/ledger";
import { holdBatchStats } from "@/lib/ledger/hold-batch";
import { createTestDb, type TestDb } from "../helpers/db";
import { accountRow, entries, expectLedgerOk, keyRow, lots, makeAccount, makeKey, sys, USD } from "./fixtures";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb({ poolSize: 24 });
});
afterAll(async () => {
  await t.dispose();
});

let seq = 0;
const rid = () => `req_cc_${++seq}_${Date.now()}`;
const times = <T>(n: number, fn: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => fn(i)));
const oks = (rs: PlaceHoldResult[]) => rs.filter((r): r is Extract<PlaceHoldResult, { ok: true }> => r.ok);

async function funded(micros: bigint): Promise<string> {
  const a = await makeAccount(t.db);
  // Valid past the 2030 dates some tests run at: credit past its expiry is not spendable.
  await creditAccount(t.db, { accountId: a, kind: "grant", amountMicros: micros, expiresAt: new Date("2040-01-01T00:00:00Z"), actor: sys });
  return a;
}

describe("concurrent holds on one account", () => {
  it("an account funded for K holds grants exactly K of 60 concurrent requests", async () => {
    const K = 7;
    const hold = 130_000n;
    const a = await funded(BigInt(K) * hold + 129_999n); // not quite K+1
    const results = await times(60, () => placeHold(t.db, { accountId: a, requestId: rid(), minMicros: hold, maxMicros: hold }));
    expect(oks(results)).toHaveLength(K);
    for (const r of results.filter((x) => !x.ok)) expect(r).toEqual({ ok: false, code: "INSUFFICIENT_CREDITS", availableMicros: 129_999n });
    const acct = await accountRow(t.db, a);
    expect(acct.held).toBe(BigInt(K) * hold);
    expect(acct.held <= acct.balance).toBe(true);
    await expectLedgerOk(t.db, a);
  });

  it("holds that queue behind one another go in batches, deciding per key and account as one at a time would", async () => {
    const hold = 100_000n;
    const a = await funded(7n * hold + 99_999n); // 7 holds, not 8
    const k1 = await makeKey(t.db, a, { creditLimitMicros: 5n * hold });
    const k2 = await makeKey(t.db, a, { dailySpendCapMicros: 3n * hold });
    const before = holdBatchStats();
    const results = await times(60, (i) => placeHold(t.db, { accountId: a, keyId: i % 3 === 0 ? null : i % 3 === 1 ? k1 : k2, requestId: rid(), minMicros: hold, maxMicros: hold }));
    const after = holdBatchStats();
    expect(after.batches).toBeGreaterThan(before.batches); // the path under test ran
    expect(after.fallbacks).toBe(before.fallbacks);
    const granted = oks(results);
    expect(granted).toHaveLength(7);
    expect((await keyRow(t.db, k1)).held).toBeLessThanOrEqual(5n * hold);
    expect((await keyRow(t.db, k2)).held).toBeLessThanOrEqual(3n * hold);
    expect((await accountRow(t.db, a)).held).toBe(7n * hold);
    for (const r of results.filter((x) => !x.ok)) expect(["INSUFFICIENT_CREDITS", "KEY_CREDIT_LIMIT_REACHED", "DAILY_SPEND_CAP_REACHED"]).toContain(r.code);
    // The refusals name the limit that bound them: once the account is short, it is the account.
    const holdIds = granted.map((r) => r.holdId);
    expect(new Set(holdIds).size).toBe(7);
    await expectLedgerOk(t.db, a);
    // Every granted hold is a real pending row with its amount; settling them all balances out.
    for (const r of granted) expect((await settle(t.db, { holdId: r.holdId, chargeMicros: 1_000n })).status).toBe("settled");
    expect((await accountRow(t.db, a)).held).toBe(0n);
    await expectLedgerOk(t.db, a);
  });

  it("batched holds on two keys of one account stop exactly at each key's credit limit and daily cap", async () => {
    const hold = 100_000n;
    const a = await funded(100n * USD);
    const k1 = await makeKey(t.db, a, { creditLimitMicros: 5n * hold + 99_999n });
    const k2 = await makeKey(t.db, a, { dailySpendCapMicros: 3n * hold + 99_999n });
    const before = holdBatchStats();
    const results = await times(80, (i) => placeHold(t.db, { accountId: a, keyId: i % 2 ? k1 : k2, requestId: rid(), minMicros: hold, maxMicros: hold }));
    expect(holdBatchStats().batches).toBeGreaterThan(before.batches);
    expect(oks(results.filter((_, i) => i % 2 === 1))).toHaveLength(5);
    expect(oks(results.filter((_, i) => i % 2 === 0))).toHaveLength(3);
    for (const [i, r] of results.entries()) {
      if (!r.ok) expect(r).toEqual({ ok: false, code: i % 2 ? "KEY_CREDIT_LIMIT_REACHED" : "DAILY_SPEND_CAP_REACHED", availableMicros: 99_999n });
    }
    expect((await keyRow(t.db, k1)).held).toBe(5n * hold);
    expect((await keyRow(t.db, k2)).held).toBe(3n * hold);
    await expectLedgerOk(t.db, a);
  });

  it("a batch the database refuses as a whole falls back to one statement per hold: only the bad one fails", async () => {
    const a = await funded(100n * USD);
    const dup = rid(); // two calls sharing a request id: the batch's INSERT hits the unique key
    const before = holdBatchStats();
    const settled = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => placeHold(t.db, { accountId: a, requestId: i === 5 || i === 6 ? dup : rid(), minMicros: 10_000n, maxMicros: 10_000n })),
    );
    expect(holdBatchStats().fallbacks).toBeGreaterThan(before.fallbacks);
    const rejected = settled.filter((r) => r.status === "rejected");
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toMatchObject({ code: "CONFLICT" });
    const placed = settled.filter((r): r is PromiseFulfilledResult<PlaceHoldResult> => r.status === "fulfilled" && r.value.ok);
    expect(placed).toHaveLength(19);
    expect((await accountRow(t.db, a)).held).toBe(19n * 10_000n);
    await expectLedgerOk(t.db, a);
  });

  it("clamped holds never add up to more than the balance", async () => {
    const a = await funded(1_000_000n);
    const results = await times(50, () => placeHold(t.db, { accountId: a, requestId: rid(), minMicros: 30_000n, maxMicros: 90_000n }));
    const granted = oks(results);
    const total = granted.reduce((s, r) => s + r.amountMicros, 0n);
    for (const r of granted) expect(r.amountMicros >= 30_000n && r.amountMicros <= 90_000n).toBe(true);
    expect(total <= 1_000_000n).toBe(true);
    expect(1_000_000n - total < 30_000n).toBe(true); // refused only once less than min was left
    expect((await accountRow(t.db, a)).held).toBe(total);
    await expectLedgerOk(t.db, a);
  });

  it("enforces a key's lifetime credit limit under concurrency (holds and spend)", async () => {
    const a = await funded(100n * USD);
    const k = await makeKey(t.db, a, { creditLimitMicros: 500_000n });
    const first = await times(40, () => placeHold(t.db, { accountId: a, keyId: k, requestId: rid(), minMicros: 100_000n, maxMicros: 100_000n }));
    expect(oks(first)).toHaveLength(5);
    for (const r of first.filter((x) => !x.ok)) expect(r).toMatchObject({ ok: false, code: "KEY_CREDIT_LIMIT_REACHED", availableMicros: 0n });
    // Settle each at 40 % of its hold: 300,000 of the limit stays available again.
    await Promise.all(oks(first).map((h) => settle(t.db, { holdId: h.holdId, chargeMicros: 40_000n })));
    expect(await keyRow(t.db, k)).toMatchObject({ spent: 200_000n, held: 0n });
    const second = await times(40, () => placeHold(t.db, { accountId: a, keyId: k, requestId: rid(), minMicros: 100_000n, maxMicros: 100_000n }));
    expect(oks(second)).toHaveLength(3);
    expect(await keyRow(t.db, k)).toMatchObject({ spent: 200_000n, held: 300_000n });
    await expectLedgerOk(t.db, a);
  });

  it("enforces a key's daily spend cap under concurrency; a new UTC day starts afresh", async () => {
    const a = await funded(100n * USD);
    const k = await makeKey(t.db, a, { dailySpendCapMicros: 400_000n });
    const day1 = new Date("2030-06-01T23:00:00Z");
    const r1 = await times(40, () => placeHold(t.db, { accountId: a, keyId: k, requestId: rid(), minMicros: 100_000n, maxMicros: 100_000n, now: day1 }));
    expect(oks(r1)).toHaveLength(4);
    for (const r of r1.filter((x) => !x.ok)) expect(r).toMatchObject({ code: "DAILY_SPEND_CAP_REACHED", availableMicros: 0n });
    // Settled at 60 % the same day: 160,000 of the cap is free again, for exactly one more 100,000 hold.
    await Promise.all(oks(r1).map((h) => settle(t.db, { holdId: h.holdId, chargeMicros: 60_000n, now: day1 })));
    expect(await keyRow(t.db, k)).toMatchObject({ spendDay: "2030-06-01", spendDayMicros: 240_000n, held: 0n });
    const again = await times(20, () => placeHold(t.db, { accountId: a, keyId: k, requestId: rid(), minMicros: 100_000n, maxMicros: 100_000n, now: day1 }));
    expect(oks(again)).toHaveLength(1);
    await settle(t.db, { holdId: oks(again)[0].holdId, chargeMicros: 100_000n, now: day1 });

    const day2 = new Date("2030-06-02T00:01:00Z");
    const r2 = await times(40, () => placeHold(t.db, { accountId: a, keyId: k, requestId: rid(), minMicros: 50_000n, maxMicros: 150_000n, now: day2 }));
    expect(oks(r2).reduce((s, r) => s + r.amountMicros, 0n)).toBe(400_000n);
    await Promise.all(oks(r2).map((h) => settle(t.db, { holdId: h.holdId, chargeMicros: 10_000n, now: day2 })));
    expect(await keyRow(t.db, k)).toMatchObject({ spendDay: "2030-06-02", spendDayMicros: BigInt(oks(r2).length) * 10_000n, held: 0n });
    await expectLedgerOk(t.db, a);
  });

  it("a cap set mid-day counts what the key already spent that day", async () => {
    const a = await funded(100n * USD);
    const k = await makeKey(t.db, a);
    const now = new Date("2030-07-01T10:00:00Z");
    const spent = oks(await times(3, () => placeHold(t.db, { accountId: a, keyId: k, requestId: rid(), minMicros: 100_000n, maxMicros: 100_000n, now })));
    await Promise.all(spent.map((h) => settle(t.db, { holdId: h.holdId, chargeMicros: 100_000n, now })));
    await t.db.execute(sql`UPDATE api_keys SET daily_spend_cap_micros = 400000 WHERE id = ${k}`);
    const r = await times(10, () => placeHold(t.db, { accountId: a, keyId: k, requestId: rid(), minMicros: 20_000n, maxMicros: 80_000n, now }));
    expect(oks(r).reduce((s, x) => s + x.amountMicros, 0n)).toBe(100_000n);
    await expectLedgerOk(t.db, a);
  });
});

describe("concurrent settlement", () => {
  it("20 concurrent settles of one hold charge exactly once", async () => {
    const a = await funded(USD);
    const h = await placeHold(t.db, { accountId: a, requestId: rid(), minMicros: 1n, maxMicros: 500_000n });
    if (!h.ok) throw new Error("hold failed");
    const results = await times(20, (i) => settle(t.db, { holdId: h.holdId, chargeMicros: 300_000n + BigInt(i) }));
    const won = results.filter((r) => r.status === "settled");
    expect(won).toHaveLength(1);
    for (const r of results) expect(r.chargedMicros).toBe(won[0].chargedMicros);
    const charges = (await entries(t.db, a)).filter((e) => e.type === "charge");
    expect(charges).toHaveLength(1);
    expect(await accountRow(t.db, a)).toEqual({ balance: USD - won[0].chargedMicros, held: 0n });
    await expectLedgerOk(t.db, a);
  });

  it("a settle waiting behind a top-up draws FIFO from the lot that top-up created", async () => {
    const a = await makeAccount(t.db);
    const long = await creditAccount(t.db, { accountId: a, kind: "grant", amountMicros: 100_000n, expiresAt: new Date(Date.now() + 300 * 86_400_000), actor: sys });
    const h = await placeHold(t.db, { accountId: a, requestId: rid(), minMicros: 100_000n, maxMicros: 100_000n });
    if (!h.ok) throw new Error("hold failed");
    let settling: Promise<unknown> = Promise.resolve();
    let promoLot = "";
    // The top-up holds the account lock while the settle starts: the settle's snapshot cannot
    // see the new lot, which expires first and so must be drawn first.
    await t.db.transaction(async (tx) => {
      promoLot = (await creditAccount(tx, { accountId: a, kind: "promo", amountMicros: USD, expiresAt: new Date(Date.now() + 10 * 86_400_000), actor: sys })).lotId;
      settling = settle(t.db, { holdId: h.holdId, chargeMicros: 150_000n });
      await new Promise((r) => setTimeout(r, 300));
    });
    await settling;
    const ls = await lots(t.db, a);
    expect(ls.find((l) => l.id === long.lotId)!.remaining).toBe(100_000n);
    expect(ls.find((l) => l.id === promoLot)!.remaining).toBe(850_000n);
    expect(await accountRow(t.db, a)).toEqual({ balance: 950_000n, held: 0n });
    await expectLedgerOk(t.db, a);
  });

  it("settling and releasing many holds at once leaves the balance exact", async () => {
    const a = await funded(10n * USD);
    const k = await makeKey(t.db, a);
    const holds = oks(await times(40, () => placeHold(t.db, { accountId: a, keyId: k, requestId: rid(), minMicros: 200_000n, maxMicros: 200_000n })));
    expect(holds).toHaveLength(40);
    // Under, at and over the hold, and plain releases; each hold also gets a duplicate settle.
    const charge = (i: number) => (i % 4 === 0 ? 0n : BigInt(i) * 7_919n);
    await Promise.all(
      holds.flatMap((h, i) => [
        i % 4 === 0 ? releaseHold(t.db, h.holdId) : settle(t.db, { holdId: h.holdId, chargeMicros: charge(i) }),
        settle(t.db, { holdId: h.holdId, chargeMicros: charge(i) }),
      ]),
    );
    const expected = holds.reduce((s, _h, i) => s + charge(i), 0n);
    expect(await accountRow(t.db, a)).toEqual({ balance: 10n * USD - expected, held: 0n });
    expect(await keyRow(t.db, k)).toMatchObject({ spent: expected, held: 0n });
    await expectLedgerOk(t.db, a);
  });

  it("holds, settles, top-ups and sweeps interleaved on one account keep every invariant", async () => {
    const a = await funded(2n * USD);
    const k = await makeKey(t.db, a, { creditLimitMicros: 50n * USD, dailySpendCapMicros: 50n * USD });
    const past = new Date(Date.now() - 7_200_000);
    const stale = oks(await times(10, () => placeHold(t.db, { accountId: a, keyId: k, requestId: rid(), minMicros: 10_000n, maxMicros: 10_000n, ttlSeconds: 60, now: past })));
    const work = async (i: number) => {
      const h = await placeHold(t.db, { accountId: a, keyId: k, requestId: rid(), minMicros: 20_000n, maxMicros: 120_000n });
      if (h.ok) await settle(t.db, { holdId: h.holdId, chargeMicros: (h.amountMicros * BigInt(i % 3)) / 2n });
    };
    await Promise.all([
      ...Array.from({ length: 40 }, (_, i) => work(i)),
      ...Array.from({ length: 5 }, (_, i) => creditAccount(t.db, { accountId: a, kind: "paid", amountMicros: 300_000n, stripeSessionId: `cs_mix_${rid()}_${i}`, actor: sys })),
      sweepHolds(t.db),
      sweepHolds(t.db),
    ]);
    const st = await rows<{ n: string }>(t.db, sql`SELECT COUNT(*) AS n FROM holds WHERE id IN (${sql.join(stale.map((s) => sql`${s.holdId}`), sql`, `)}) AND status = 'released'`);
    expect(Number(st[0].n)).toBe(10);
    expect((await accountRow(t.db, a)).held).toBe(0n);
    await expectLedgerOk(t.db, a);
  });
});

describe("idempotent credits under concurrency", () => {
  it("creditAccount credits a Stripe session once under 20 concurrent calls", async () => {
    const a = await makeAccount(t.db);
    const session = `cs_test_${rid()}`;
    const results = await times(20, () =>
      creditAccount(t.db, { accountId: a, kind: "paid", amountMicros: 25n * USD, stripeSessionId: session, stripePaymentIntentId: `pi_${session}`, actor: sys }),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.lotId)).size).toBe(1);
    expect(new Set(results.map((r) => r.entryId)).size).toBe(1);
    expect(await accountRow(t.db, a)).toEqual({ balance: 25n * USD, held: 0n });
    const audits = await rows<{ n: string }>(t.db, sql`SELECT COUNT(*) AS n FROM audit_log WHERE account_id = ${a} AND action = 'credit.topup'`);
    expect(Number(audits[0].n)).toBe(1);
    await expectLedgerOk(t.db, a);
  });

  it("a Stripe refund is applied once under 10 concurrent deliveries", async () => {
    const a = await makeAccount(t.db);
    const session = `cs_test_${rid()}`;
    await creditAccount(t.db, { accountId: a, kind: "paid", amountMicros: 10n * USD, stripeSessionId: session, actor: sys });
    const results = await times(10, () => refundPurchase(t.db, { stripeRefundId: `re_${session}`, stripeSessionId: session, amountMicros: 4n * USD }));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    for (const r of results) expect(r.amountMicros).toBe(4n * USD);
    expect(await accountRow(t.db, a)).toEqual({ balance: 6n * USD, held: 0n });
    await expectLedgerOk(t.db, a);
  });

  it("a dispute adjustment is applied once under 10 concurrent resolutions", async () => {
    const a = await funded(USD);
    const results = await times(10, () =>
      adjustCredit(t.db, { accountId: a, amountMicros: 150_000n, disputeId: `dsp_${seq}_x`, reason: "dispute refund", actor: { kind: "staff", userId: null } }),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.entryId)).size).toBe(1);
    expect(await accountRow(t.db, a)).toEqual({ balance: 1_150_000n, held: 0n });
    await expectLedgerOk(t.db, a);
  });
});
