// Finished calls booked in batches (lib/ledger/settle-batch.ts): many calls closing at once on one
// account must write exactly what booking them one at a time writes — charges, fees, releases,
// FIFO lot draws across lots, running balances, key spend, request rows — and a hold closed twice
// is charged once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { rows } from "@/lib/db";
import { creditAccount, placeHold, recordFinishedCall, releaseHold, settle, type BookedCall, type FinishedCall } from "@/lib/ledger";
import { settleBatchStats } from "@/lib/ledger/settle-batch";
import { newId } from "@/lib/ids";
import { createTestDb, type TestDb } from "../helpers/db";
import { accountRow, entries, expectLedgerOk, keyRow, lots, makeAccount, makeKey, sys, USD } from "./fixtures";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb({ poolSize: 24 });
});
afterAll(async () => {
  await t.dispose();
});

const DAY = 86_400_000;

/** Three lots that expire in a different order than they were bought, so FIFO is visible. */
async function account(): Promise<{ a: string; lotIds: string[] }> {
  const a = await makeAccount(t.db);
  const lotIds: string[] = [];
  for (const [usd, days] of [
    [1n, 300],
    [1n, 10],
    [2n, 100],
  ] as const) {
    lotIds.push((await creditAccount(t.db, { accountId: a, kind: "grant", amountMicros: usd * USD, expiresAt: new Date(Date.now() + days * DAY), actor: sys })).lotId);
  }
  return { a, lotIds };
}

function call(a: string, keyId: string, holdId: string, holdMicros: bigint, i: number): FinishedCall {
  const release = i % 5 === 0;
  return {
    requestId: newId("request"),
    accountId: a,
    keyId,
    holdId,
    holdMicros,
    model: "mock-small",
    endpoint: "chat.completions",
    method: "POST",
    path: "/api/v1/chat/completions",
    stream: false,
    statusCode: release ? 502 : 200,
    errorCode: release ? "UPSTREAM_ERROR" : null,
    latencyMs: 10 + i,
    ttfbMs: i % 2 ? null : 5,
    maxTokensClamped: null,
    byok: i % 3 === 0,
    clientIpHash: null,
    clientRequestId: i % 4 === 0 ? `client-${i}` : null,
    createdAt: new Date(),
    chargeMicros: release ? 0n : BigInt(i) * 13_001n,
    byokFeeMicros: !release && i % 3 === 0 ? 1_000n + BigInt(i) : 0n,
    usageSource: "reported",
    inputTokens: i,
    outputTokens: 2 * i,
    touchKey: i % 7 === 0,
  };
}

async function setUp(n: number) {
  const { a, lotIds } = await account();
  const keys = [await makeKey(t.db, a), await makeKey(t.db, a)];
  const calls: FinishedCall[] = [];
  for (let i = 0; i < n; i++) {
    const keyId = keys[i % 2];
    const h = await placeHold(t.db, { accountId: a, keyId, requestId: newId("request"), minMicros: 1n, maxMicros: 60_000n });
    if (!h.ok) throw new Error("hold failed");
    calls.push(call(a, keyId, h.holdId, h.amountMicros, i));
  }
  return { a, lotIds, keys, calls };
}

/** What an account's books look like, ids aside: comparable between two accounts. */
async function books(a: string, keys: string[], lotIds: string[]) {
  const es = await entries(t.db, a);
  const ls = await lots(t.db, a);
  const alloc = await rows<{ type: string; amount: string; lot: number }>(
    t.db,
    sql`SELECT e.type, la.amount_micros::text AS amount,
               array_position(${sql.param(lotIds)}::text[], la.lot_id) AS lot
        FROM lot_allocations la JOIN ledger_entries e ON e.id = la.entry_id
        WHERE e.account_id = ${a} ORDER BY e.seq, lot`,
  );
  const reqs = await rows<{ status_code: number; cost_micros: string; n: string }>(
    t.db,
    sql`SELECT status_code, cost_micros::text, COUNT(*)::text AS n FROM requests WHERE account_id = ${a} GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  return {
    account: await accountRow(t.db, a),
    keys: await Promise.all(keys.map(async (k) => ({ ...(await keyRow(t.db, k)) }))),
    entries: es.map((e) => ({ type: e.type, amount: e.amount, after: e.balanceAfter })),
    lots: lotIds.map((id) => ls.find((l) => l.id === id)!.remaining),
    alloc,
    reqs,
  };
}

describe("finished calls booked in batches", () => {
  it("books what one-at-a-time booking books: charges, fees, releases, FIFO lots, balances, keys, request rows", async () => {
    const N = 48;
    const one = await setUp(N);
    for (const c of one.calls) await recordFinishedCall(t.db, c); // one at a time: the oracle

    const many = await setUp(N);
    const before = settleBatchStats();
    const results = await Promise.all(many.calls.map((c) => recordFinishedCall(t.db, c)));
    const after = settleBatchStats();
    expect(after.batches).toBeGreaterThan(before.batches); // the path under test ran
    expect(after.batchedSettlements - before.batchedSettlements).toBeGreaterThan(N / 2);
    expect(after.fallbacks).toBe(before.fallbacks);

    for (const [i, r] of results.entries()) {
      expect(r.status).toBe("settled");
      expect(r.chargedMicros).toBe(many.calls[i].chargeMicros + many.calls[i].byokFeeMicros);
    }
    // Concurrent callers finish in arrival order, so the running balances match the oracle too.
    const want = await books(one.a, one.keys, one.lotIds);
    const got = await books(many.a, many.keys, many.lotIds);
    expect(got).toEqual(want);
    expect(got.lots[1]).toBeLessThan(USD); // the lot expiring first was drawn
    expect(got.alloc.length).toBeGreaterThan(0);
    await expectLedgerOk(t.db, many.a);
    await expectLedgerOk(t.db, one.a);
  });

  it("a hold closed twice at once is charged once; both callers learn what it was charged", async () => {
    const { a, calls } = await setUp(20);
    const results: BookedCall[] = await Promise.all(calls.flatMap((c) => [recordFinishedCall(t.db, c), recordFinishedCall(t.db, { ...c, chargeMicros: c.chargeMicros + 1n })]));
    for (let i = 0; i < calls.length; i++) {
      const [x, y] = [results[2 * i], results[2 * i + 1]];
      expect([x.status, y.status].sort()).toEqual(["already_settled", "settled"]);
      expect(x.chargedMicros).toBe(calls[i].chargeMicros + calls[i].byokFeeMicros); // the first one won
      expect(y.chargedMicros).toBe(x.chargedMicros);
    }
    const n = await rows<{ n: string }>(t.db, sql`SELECT COUNT(*)::text AS n FROM requests WHERE account_id = ${a}`);
    expect(Number(n[0].n)).toBe(20);
    expect((await accountRow(t.db, a)).held).toBe(0n);
    await expectLedgerOk(t.db, a);
  });

  it("a batch that meets a lot past its expiry writes nothing and each call books through the single statement", async () => {
    const a = await makeAccount(t.db);
    await creditAccount(t.db, { accountId: a, kind: "grant", amountMicros: USD, expiresAt: new Date(Date.now() + 365 * DAY), actor: sys });
    const short = await creditAccount(t.db, { accountId: a, kind: "promo", amountMicros: USD, expiresAt: new Date(Date.now() + 1_500), actor: sys });
    const k = await makeKey(t.db, a);
    const calls: FinishedCall[] = [];
    for (let i = 1; i <= 12; i++) {
      const h = await placeHold(t.db, { accountId: a, keyId: k, requestId: newId("request"), minMicros: 1n, maxMicros: 50_000n });
      if (!h.ok) throw new Error("hold failed");
      calls.push({ ...call(a, k, h.holdId, h.amountMicros, i), chargeMicros: 10_000n, byokFeeMicros: 0n });
    }
    await new Promise((r) => setTimeout(r, 1_700));
    const results = await Promise.all(calls.map((c) => recordFinishedCall(t.db, c)));
    for (const r of results) expect(r).toMatchObject({ status: "settled", chargedMicros: 10_000n });
    const ls = await lots(t.db, a);
    expect(ls.find((l) => l.id === short.lotId)!.remaining).toBe(0n); // booked as expired, never drawn
    expect((await entries(t.db, a)).filter((e) => e.type === "expiry")).toHaveLength(1);
    expect(await accountRow(t.db, a)).toEqual({ balance: USD - 120_000n, held: 0n });
    await expectLedgerOk(t.db, a);
  });

  it("bare settlements and releases that name their account share statements too, and write no request row", async () => {
    const { a, keys, calls } = await setUp(40);
    const before = settleBatchStats();
    const results = await Promise.all(
      calls.map((c, i) => (i % 2 ? releaseHold(t.db, c.holdId!, undefined, a) : settle(t.db, { holdId: c.holdId!, chargeMicros: 10_000n + BigInt(i), accountId: a }))),
    );
    expect(settleBatchStats().batches).toBeGreaterThan(before.batches);
    const charged = calls.reduce((sum, _c, i) => sum + (i % 2 ? 0n : 10_000n + BigInt(i)), 0n);
    for (const [i, r] of results.entries()) expect(r).toMatchObject({ status: "settled", chargedMicros: i % 2 ? 0n : 10_000n + BigInt(i) });
    expect(await accountRow(t.db, a)).toEqual({ balance: 4n * USD - charged, held: 0n });
    expect((await keyRow(t.db, keys[0])).spent + (await keyRow(t.db, keys[1])).spent).toBe(charged);
    const n = await rows<{ n: string }>(t.db, sql`SELECT COUNT(*)::text AS n FROM requests WHERE account_id = ${a}`);
    expect(n[0].n).toBe("0");
    await expectLedgerOk(t.db, a);
  });

  it("a hold of another account named by mistake is still settled, through the single statement", async () => {
    const { calls } = await setUp(6);
    const other = await makeAccount(t.db);
    const results = await Promise.all(calls.map((c) => settle(t.db, { holdId: c.holdId!, chargeMicros: 5_000n, accountId: other })));
    for (const r of results) expect(r).toMatchObject({ status: "settled", chargedMicros: 5_000n });
    await expectLedgerOk(t.db, calls[0].accountId);
    await expectLedgerOk(t.db, other);
  });
});
