// The tier's default daily spend cap, enforced by the hold statement itself (the same guarded
// SQL that checks the key's own cap): a key without a cap of its own gets its tier's, a key's
// own cap overrides it, and parallel holds never exceed it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { creditAccount, placeHold } from "@/lib/ledger";
import { newId } from "@/lib/ids";
import { tierLimits } from "@/lib/ratelimit";
import { createTestDb, type TestDb } from "../helpers/db";
import { expectLedgerOk, keyRow, makeAccount, makeKey, sys, USD } from "../ledger/fixtures";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.dispose();
});

const hold = (accountId: string, keyId: string, micros: bigint, defaultDailyCapMicros: bigint | null) =>
  placeHold(t.db, { accountId, keyId, requestId: newId("request"), minMicros: micros, maxMicros: micros, defaultDailyCapMicros });

describe("default daily cap by tier", () => {
  it("applies the tier's cap to a key without its own; the key's own cap overrides it", async () => {
    const a = await makeAccount(t.db);
    await creditAccount(t.db, { accountId: a, kind: "grant", amountMicros: 100n * USD, reason: "t", actor: sys });
    const standardCap = tierLimits("standard").dailyCapMicros; // $2
    const plain = await makeKey(t.db, a);
    expect(await hold(a, plain, standardCap + 1n, standardCap)).toMatchObject({ ok: false, code: "DAILY_SPEND_CAP_REACHED", availableMicros: standardCap });
    expect(await hold(a, plain, standardCap, standardCap)).toMatchObject({ ok: true });
    expect(await hold(a, plain, 1n, standardCap)).toMatchObject({ ok: false, code: "DAILY_SPEND_CAP_REACHED" });
    // Without a default (ledger callers outside the gateway) there is no cap.
    expect(await hold(a, plain, 1n, null)).toMatchObject({ ok: true });

    const own = await makeKey(t.db, a, { dailySpendCapMicros: 10n * USD });
    expect(await hold(a, own, 5n * USD, standardCap)).toMatchObject({ ok: true });
    expect(await hold(a, own, 6n * USD, standardCap)).toMatchObject({ ok: false, code: "DAILY_SPEND_CAP_REACHED", availableMicros: 5n * USD });
  });

  it("parallel holds never exceed the default cap", async () => {
    const a = await makeAccount(t.db);
    await creditAccount(t.db, { accountId: a, kind: "grant", amountMicros: 100n * USD, reason: "t", actor: sys });
    const cap = tierLimits("enhanced").dailyCapMicros; // $5
    const k = await makeKey(t.db, a);
    const results = await Promise.all(Array.from({ length: 40 }, () => hold(a, k, 300_000n, cap)));
    const placed = results.filter((r) => r.ok).length;
    expect(placed).toBe(Number(cap / 300_000n)); // 16 × $0.30 ≤ $5 < 17 × $0.30
    expect((await keyRow(t.db, k)).held).toBe(BigInt(placed) * 300_000n);
    await expectLedgerOk(t.db, a);
  });
});
