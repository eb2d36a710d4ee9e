// Credit in a lot past its expiry is never spent, even before the nightly expiry job books it:
// the hold's "available" leaves it out, and a settlement books the lot's expiry first and draws
// only live lots. Exercised through the ledger's entry points (placeHold, settle, getCredits).
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rows } from "@/lib/db";
import { newId } from "@/lib/ids";
import { creditAccount, expireCredits, getCredits, placeHold, settle } from "@/lib/ledger";
import { createTestDb, type TestDb } from "../helpers/db";
import { accountRow, entries, expectLedgerOk, lots, makeAccount, makeKey, sys, USD } from "./fixtures";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.dispose();
});

/** An account with a lapsed grant (expired an hour ago, not yet booked) and a live one. */
async function setup(lapsedMicros: bigint, liveMicros: bigint) {
  const accountId = await makeAccount(t.db);
  const keyId = await makeKey(t.db, accountId);
  const lapsed = await creditAccount(t.db, { accountId, kind: "grant", amountMicros: lapsedMicros, expiresAt: new Date(Date.now() + 86_400_000), actor: sys });
  // Time passes: the lot's date is now behind us, and the nightly job has not run.
  await t.db.execute(sql`UPDATE credit_lots SET expires_at = now() - interval '1 hour' WHERE id = ${lapsed.lotId}`);
  const live = liveMicros > 0n ? await creditAccount(t.db, { accountId, kind: "grant", amountMicros: liveMicros, actor: sys }) : null;
  return { accountId, keyId, lapsedLot: lapsed.lotId, liveLot: live?.lotId ?? null };
}

describe("expired lots", () => {
  it("getCredits and the hold leave lapsed credit out of 'available'", async () => {
    const { accountId, keyId } = await setup(3n * USD, 1n * USD);
    const c = await getCredits(t.db, accountId);
    expect(c).toMatchObject({ balanceMicros: 4n * USD, availableMicros: 1n * USD });
    const hold = await placeHold(t.db, { accountId, keyId, requestId: newId("request"), minMicros: 2n * USD, maxMicros: 3n * USD });
    expect(hold).toEqual({ ok: false, code: "INSUFFICIENT_CREDITS", availableMicros: 1n * USD });
    const clamped = await placeHold(t.db, { accountId, keyId, requestId: newId("request"), minMicros: 100n, maxMicros: 3n * USD });
    expect(clamped).toMatchObject({ ok: true, amountMicros: 1n * USD });
  });

  it("only lapsed credit: every hold is refused", async () => {
    const { accountId, keyId } = await setup(5n * USD, 0n);
    expect(await placeHold(t.db, { accountId, keyId, requestId: newId("request"), minMicros: 1n, maxMicros: 1_000n })).toEqual({ ok: false, code: "INSUFFICIENT_CREDITS", availableMicros: 0n });
  });

  it("settlement books the lapsed lot's expiry and draws only live lots; the nightly job then finds nothing", async () => {
    const { accountId, keyId, lapsedLot, liveLot } = await setup(3n * USD, 1n * USD);
    const hold = await placeHold(t.db, { accountId, keyId, requestId: newId("request"), minMicros: 100n, maxMicros: 500_000n });
    if (!hold.ok) throw new Error("hold refused");
    const r = await settle(t.db, { holdId: hold.holdId, chargeMicros: 400_000n });
    expect(r).toMatchObject({ status: "settled", chargedMicros: 400_000n, balanceAfterMicros: 600_000n });
    const ls = await lots(t.db, accountId);
    expect(ls.find((l) => l.id === lapsedLot)?.remaining).toBe(0n);
    expect(ls.find((l) => l.id === liveLot)?.remaining).toBe(600_000n);
    expect((await entries(t.db, accountId)).map((e) => [e.type, e.amount])).toEqual([
      ["grant", 3n * USD],
      ["grant", 1n * USD],
      ["expiry", -3n * USD],
      ["charge", -400_000n],
    ]);
    const [alloc] = await rows<{ lot_id: string }>(t.db, sql`SELECT la.lot_id FROM lot_allocations la JOIN ledger_entries e ON e.id = la.entry_id WHERE e.type = 'charge' AND e.account_id = ${accountId}`);
    expect(alloc.lot_id).toBe(liveLot);
    await expectLedgerOk(t.db, accountId);
    await expireCredits(t.db);
    expect((await entries(t.db, accountId)).filter((e) => e.type === "expiry")).toHaveLength(1);
    await expectLedgerOk(t.db, accountId);
  });

  it("an overage beyond the live lots becomes debt, never a draw on the lapsed lot", async () => {
    const { accountId, keyId, lapsedLot } = await setup(2n * USD, 100_000n);
    const hold = await placeHold(t.db, { accountId, keyId, requestId: newId("request"), minMicros: 100n, maxMicros: 100_000n });
    if (!hold.ok) throw new Error("hold refused");
    await settle(t.db, { holdId: hold.holdId, chargeMicros: 250_000n }); // the call cost more than held
    expect(await accountRow(t.db, accountId)).toEqual({ balance: -150_000n, held: 0n });
    const lapsed = (await lots(t.db, accountId)).find((l) => l.id === lapsedLot)!;
    const [{ n }] = await rows<{ n: string }>(t.db, sql`SELECT count(*)::text AS n FROM lot_allocations la JOIN ledger_entries e ON e.id = la.entry_id WHERE la.lot_id = ${lapsedLot} AND e.type = 'charge'`);
    expect(lapsed.remaining).toBe(0n);
    expect(n).toBe("0");
    await expectLedgerOk(t.db, accountId);
  });

  it("parallel settlements on an account with a lapsed lot book its expiry once and stay consistent", async () => {
    const { accountId, keyId } = await setup(5n * USD, 2n * USD);
    const holds = [];
    for (let i = 0; i < 20; i++) {
      const h = await placeHold(t.db, { accountId, keyId, requestId: newId("request"), minMicros: 100n, maxMicros: 50_000n });
      if (!h.ok) throw new Error("hold refused");
      holds.push(h.holdId);
    }
    await Promise.all(holds.map((holdId) => settle(t.db, { holdId, chargeMicros: 30_000n })));
    const es = await entries(t.db, accountId);
    expect(es.filter((e) => e.type === "expiry")).toHaveLength(1);
    expect(es.filter((e) => e.type === "charge")).toHaveLength(20);
    expect(await accountRow(t.db, accountId)).toEqual({ balance: 2n * USD - 600_000n, held: 0n });
    await expectLedgerOk(t.db, accountId);
  });
});
