// Property test: random sequences of grants, promos, paid top-ups, holds (with key limits and
// daily caps), settles (under, at and over the hold, BYOK fees, duplicates), releases, refunds,
// staff adjustments and clock jumps (expiry + sweeping) — after EVERY step the real ledger must
// match an independent in-memory model exactly and verifyLedger must pass.
import { afterAll, beforeAll, expect, it } from "vitest";
import fc from "fast-check";
import { adjustCredit, creditAccount, expireCredits, placeHold, refundPurchase, releaseHold, settle, sweepHolds, verifyLedger } from "@/lib/ledger";
import { createTestDb, type TestDb } from "../helpers/db";
import { accountRow, keyRow, lots, makeAccount, makeKey, sys } from "./fixtures";
import { DAY_MS, LedgerModel } from "./model";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t.dispose();
});

const micros = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map(BigInt);

type Op =
  | { t: "grant" | "promo"; amount: bigint; days: number }
  | { t: "paid"; amount: bigint }
  | { t: "hold"; min: bigint; max: bigint; key: boolean; ttlMin: number }
  | { t: "settle"; idx: number; pct: number; fee: bigint }
  | { t: "release" | "dup"; idx: number }
  | { t: "refund"; idx: number; amount: bigint }
  | { t: "adjust"; amount: bigint }
  | { t: "advance"; hours: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constantFrom("grant" as const, "promo" as const), amount: micros(1, 3_000_000), days: fc.integer({ min: 1, max: 60 }) }),
  fc.record({ t: fc.constant("paid" as const), amount: micros(1, 3_000_000) }),
  {
    arbitrary: fc.record({ t: fc.constant("hold" as const), min: micros(1, 200_000), max: micros(1, 1_500_000), key: fc.boolean(), ttlMin: fc.integer({ min: 1, max: 120 }) }),
    weight: 4,
  },
  { arbitrary: fc.record({ t: fc.constant("settle" as const), idx: fc.nat(), pct: fc.integer({ min: 0, max: 150 }), fee: fc.oneof(fc.constant(0n), micros(1, 20_000)) }), weight: 3 },
  fc.record({ t: fc.constantFrom("release" as const, "dup" as const), idx: fc.nat() }),
  fc.record({ t: fc.constant("refund" as const), idx: fc.nat(), amount: micros(1, 3_000_000) }),
  fc.record({ t: fc.constant("adjust" as const), amount: fc.oneof(micros(1, 1_000_000), micros(-1_500_000, -1)) }),
  fc.record({ t: fc.constant("advance" as const), hours: fc.integer({ min: 1, max: 24 * 40 }) }),
);

const scenario = fc.record({
  keyLimit: fc.option(micros(500_000, 5_000_000), { nil: null }),
  keyCap: fc.option(micros(200_000, 3_000_000), { nil: null }),
  ops: fc.array(op, { minLength: 1, maxLength: 22 }),
});

let runNo = 0;

async function check(m: LedgerModel, accountId: string, keyId: string, step: string): Promise<void> {
  expect(await accountRow(t.db, accountId), step).toEqual({ balance: m.balance, held: m.held });
  expect(await keyRow(t.db, keyId), step).toEqual({ spent: m.keySpent, held: m.keyHeld, spendDay: m.keyDay, spendDayMicros: m.keyDayMicros });
  const actual = new Map((await lots(t.db, accountId)).map((l) => [l.id, l.remaining]));
  expect(actual, step).toEqual(new Map(m.lots.map((l) => [l.id, l.remaining])));
  const v = await verifyLedger(t.db, accountId);
  expect(v.violations, step).toEqual([]);
}

async function apply(m: LedgerModel, accountId: string, keyId: string, o: Op, n: number): Promise<void> {
  const now = () => new Date(m.now);
  const tag = `${runNo}_${n}`;
  switch (o.t) {
    case "grant":
    case "promo": {
      const expiresAt = m.now + o.days * DAY_MS;
      const r = await creditAccount(t.db, { accountId, kind: o.t, amountMicros: o.amount, expiresAt: new Date(expiresAt), actor: sys, now: now() });
      m.credit(r.lotId, o.t, o.amount, expiresAt);
      return;
    }
    case "paid": {
      const sessionId = `cs_prop_${tag}_${Date.now()}`;
      const r = await creditAccount(t.db, { accountId, kind: "paid", amountMicros: o.amount, stripeSessionId: sessionId, actor: sys, now: now() });
      m.credit(r.lotId, "paid", o.amount, undefined, sessionId);
      return;
    }
    case "hold": {
      const expected = m.hold(o.min, o.max, o.key);
      const r = await placeHold(t.db, { accountId, keyId: o.key ? keyId : null, requestId: `req_prop_${tag}_${Date.now()}`, minMicros: o.min, maxMicros: o.max, ttlSeconds: o.ttlMin * 60, now: now() });
      if ("amount" in expected) {
        expect(r).toMatchObject({ ok: true, amountMicros: expected.amount });
        if (r.ok) m.placed(r.holdId, r.amountMicros, o.key, o.ttlMin * 60_000);
      } else {
        expect(r).toEqual({ ok: false, code: expected.code, availableMicros: expected.available });
      }
      return;
    }
    case "settle":
    case "release":
    case "dup": {
      if (m.holds.length === 0) return;
      const h = m.holds[o.idx % m.holds.length];
      if (o.t === "release") {
        const wasPending = m.settle(h, 0n, 0n);
        expect((await releaseHold(t.db, h.id, now())).status).toBe(wasPending ? "settled" : "already_settled");
        return;
      }
      const charge = o.t === "settle" ? (h.amount * BigInt(o.pct)) / 100n : 1n;
      const fee = o.t === "settle" ? o.fee : 0n;
      const wasPending = m.settle(h, charge, fee);
      const r = await settle(t.db, { holdId: h.id, chargeMicros: charge, byokFeeMicros: fee, now: now() });
      expect(r.status).toBe(wasPending ? "settled" : "already_settled");
      return;
    }
    case "refund": {
      const paid = m.lots.filter((l) => l.kind === "paid");
      if (paid.length === 0) return;
      const lot = paid[o.idx % paid.length];
      const taken = m.refund(lot, o.amount);
      const r = await refundPurchase(t.db, { stripeRefundId: `re_prop_${tag}_${Date.now()}`, stripeSessionId: lot.sessionId, amountMicros: o.amount, now: now() });
      expect(r).toMatchObject({ created: true, amountMicros: taken, unrecoveredMicros: o.amount - taken });
      return;
    }
    case "adjust": {
      const actor = { kind: "staff" as const, userId: null };
      if (o.amount > 0n) {
        const r = await adjustCredit(t.db, { accountId, amountMicros: o.amount, reason: "prop", actor, now: now() });
        m.credit(r.lotId!, "grant", o.amount, undefined);
      } else if (m.debit(-o.amount)) {
        await adjustCredit(t.db, { accountId, amountMicros: o.amount, reason: "prop", actor, now: now() });
      } else {
        await expect(adjustCredit(t.db, { accountId, amountMicros: o.amount, reason: "prop", actor, now: now() })).rejects.toMatchObject({ code: "INVALID_REQUEST" });
      }
      return;
    }
    case "advance": {
      m.now += o.hours * 3_600_000;
      // Both jobs are global; only this run's account is checked against the model.
      await expireCredits(t.db, now());
      await sweepHolds(t.db, now());
      m.expire();
      m.sweep();
      return;
    }
  }
}

it("random ledger histories match the model and keep every invariant after every step", { timeout: 180_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(scenario, async ({ keyLimit, keyCap, ops }) => {
      runNo++;
      const accountId = await makeAccount(t.db);
      const keyId = await makeKey(t.db, accountId, { creditLimitMicros: keyLimit ?? undefined, dailySpendCapMicros: keyCap ?? undefined });
      // Far-apart fake clocks per run, so global expiry/sweep jobs of one run never reach into
      // a later run's lots and holds.
      const m = new LedgerModel(Date.UTC(2040, 0, 1) + runNo * 5_000 * DAY_MS, keyLimit, keyCap);
      for (const [n, o] of ops.entries()) {
        m.now += 1_000; // distinct created_at per step keeps FIFO ties deterministic
        await apply(m, accountId, keyId, o, n);
        await check(m, accountId, keyId, `step ${n}: ${JSON.stringify(o, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`);
      }
    }),
    { numRuns: Number(process.env.LEDGER_PROPERTY_RUNS ?? 20), endOnFailure: true },
  );
});
