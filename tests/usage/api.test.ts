// The read-only account API bodies (lib/usage/api.ts) against real PostgreSQL: transaction
// paging that stays exact while the ledger keeps growing, live lots by expiry, and the usage
// breakdown per model and per key. (The HTTP wiring is covered in tests/gateway/plans.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requests } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { creditAccount, placeHold, settle } from "@/lib/ledger";
import { creditsBody, transactionsBody, usageBody } from "@/lib/usage";
import { createTestDb, type TestDb } from "../helpers/db";
import { entries, expectLedgerOk, makeAccount, makeKey, sys, USD } from "../ledger/fixtures";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.dispose();
});

const q = (s: string) => new URLSearchParams(s);

async function codeOf(p: Promise<unknown>): Promise<string | null> {
  return p.then(
    () => null,
    (e: unknown) => (e instanceof AppError ? `${e.code}:${e.param}` : String(e)),
  );
}

/** One charge through the real hold + settlement path. */
async function charge(accountId: string, keyId: string, micros: bigint): Promise<void> {
  const h = await placeHold(t.db, { accountId, keyId, requestId: newId("request"), minMicros: micros, maxMicros: micros });
  if (!h.ok) throw new Error(`hold refused: ${h.code}`);
  await settle(t.db, { holdId: h.holdId, chargeMicros: micros, description: "test call" });
}

describe("GET /credits/transactions", () => {
  it("pages newest first with no gaps or duplicates while entries are written concurrently", async () => {
    const a = await makeAccount(t.db);
    const k = await makeKey(t.db, a);
    for (let i = 0; i < 25; i++) await creditAccount(t.db, { accountId: a, kind: "grant", amountMicros: USD, reason: `seed ${i}`, actor: sys });

    const seen: string[] = [];
    let asOf: string | undefined;
    let offset = 0;
    let writes = 0;
    for (;;) {
      // Writers race every page read: grants and charges land at the head of the list.
      const racing = Promise.all([
        creditAccount(t.db, { accountId: a, kind: "grant", amountMicros: 2n * USD, reason: "racing", actor: sys }),
        charge(a, k, 1234n),
        charge(a, k, 777n),
      ]).then(() => (writes += 3));
      const page = await transactionsBody(t.db, a, q(`limit=7&offset=${offset}${asOf ? `&as_of=${asOf}` : ""}`));
      await racing;
      asOf ??= page.as_of;
      expect(page.as_of).toBe(asOf);
      expect(page.data.length).toBeLessThanOrEqual(7);
      seen.push(...page.data.map((e) => e.id));
      if (!page.has_more) {
        expect(page.next).toBeNull();
        break;
      }
      expect(page.next).toBe(`/api/v1/credits/transactions?limit=7&offset=${offset + 7}&as_of=${asOf}`);
      offset += 7;
    }
    expect(writes).toBeGreaterThan(0);
    expect(new Set(seen).size).toBe(seen.length); // no duplicates
    // No gaps: exactly the entries up to the snapshot, newest first.
    const all = await entries(t.db, a);
    const snapshotIds = all.slice(0, all.findIndex((e) => e.id === seen[0]) + 1).map((e) => e.id).reverse();
    expect(seen).toEqual(snapshotIds);
    expect(seen.length).toBeGreaterThanOrEqual(25);
    expect(all.length).toBe(25 + writes);

    // A fresh first page sees the new entries, and each row carries the documented fields.
    const fresh = await transactionsBody(t.db, a, q("limit=2"));
    expect(fresh.data[0].id).toBe(all.at(-1)!.id);
    expect(Object.keys(fresh.data[0]).sort()).toEqual(["amount", "amount_micros", "balance_after", "balance_after_micros", "created_at", "description", "id", "object", "request_id", "type"].sort());
    const chargeRow = (await transactionsBody(t.db, a, q("limit=200"))).data.find((e) => e.type === "charge")!;
    expect(chargeRow.request_id).toMatch(/^req_/);
    expect(BigInt(chargeRow.amount_micros) < 0n).toBe(true);
    await expectLedgerOk(t.db, a);
  });

  it("refuses malformed and oversized paging parameters with 400 naming the parameter", async () => {
    const a = await makeAccount(t.db);
    for (const [qs, param] of [
      ["limit=201", "limit"],
      ["limit=0", "limit"],
      ["limit=abc", "limit"],
      ["limit=1.5", "limit"],
      ["offset=-1", "offset"],
      ["offset=99999999999", "offset"],
      ["as_of=12;DROP", "as_of"],
      [`as_of=${"9".repeat(30)}`, "as_of"],
    ] as const) {
      expect(await codeOf(transactionsBody(t.db, a, q(qs)))).toBe(`INVALID_REQUEST:${param}`);
    }
    expect((await transactionsBody(t.db, a, q("limit=200"))).data).toEqual([]);
  });
});

describe("GET /credits lots", () => {
  it("lists lots still holding funds, soonest expiry first", async () => {
    const a = await makeAccount(t.db);
    const k = await makeKey(t.db, a);
    const day = 86_400_000;
    await creditAccount(t.db, { accountId: a, kind: "grant", amountMicros: 3n * USD, expiresAt: new Date(Date.now() + 90 * day), reason: "late", actor: sys });
    await creditAccount(t.db, { accountId: a, kind: "promo", amountMicros: USD, expiresAt: new Date(Date.now() + 10 * day), reason: "soon", actor: sys });
    await creditAccount(t.db, { accountId: a, kind: "grant", amountMicros: 2n * USD, expiresAt: new Date(Date.now() + 20 * day), reason: "mid", actor: sys });
    await charge(a, k, USD); // FIFO by expiry: empties the promo lot
    const { body } = await creditsBody(t.db, a);
    expect(body.lots.map((l) => [l.kind, l.remaining_micros])).toEqual([
      ["grant", "2000000"],
      ["grant", "3000000"],
    ]);
    expect(body.balance_micros).toBe("5000000");
    expect(new Date(body.lots[0].expires_at).getTime()).toBeLessThan(new Date(body.lots[1].expires_at).getTime());
  });
});

describe("GET /usage", () => {
  it("adds per-model or per-key rows to each day; totals match; bad group_by is a 400", async () => {
    const a = await makeAccount(t.db);
    const k1 = await makeKey(t.db, a);
    const k2 = await makeKey(t.db, a);
    const now = new Date("2026-03-10T12:00:00Z");
    const row = (keyId: string, model: string, at: string, cost: bigint, status = 200) =>
      t.db.insert(requests).values({ id: newId("request"), accountId: a, keyId, model, endpoint: "chat.completions", statusCode: status, inputTokens: 10, outputTokens: 5, costMicros: cost, createdAt: new Date(at) });
    await row(k1, "mock-small", "2026-03-10T01:00:00Z", 100n);
    await row(k1, "mock-large", "2026-03-10T02:00:00Z", 900n);
    await row(k2, "mock-small", "2026-03-10T03:00:00Z", 50n, 500);
    await row(k2, "mock-small", "2026-03-09T23:59:59Z", 7n);
    await row(k2, "mock-small", "2026-03-01T00:00:00Z", 1n); // outside a 3-day range
    // Read-only requests are in the request log but are not usage.
    await t.db.insert(requests).values({ id: newId("request"), accountId: a, keyId: k1, model: null, endpoint: "credits", statusCode: 200, createdAt: new Date("2026-03-10T04:00:00Z") });

    const plain = await usageBody(t.db, a, q("days=3"), now);
    expect(plain.data.map((d) => [d.date, d.requests, d.cost_micros])).toEqual([
      ["2026-03-08", 0, "0"],
      ["2026-03-09", 1, "7"],
      ["2026-03-10", 3, "1050"],
    ]);
    expect(plain.data[2]).not.toHaveProperty("breakdown");

    const byModel = await usageBody(t.db, a, q("days=3&group_by=model"), now);
    expect(byModel.data[2].breakdown).toEqual([
      expect.objectContaining({ model: "mock-large", requests: 1, errors: 0, cost_micros: "900" }),
      expect.objectContaining({ model: "mock-small", requests: 2, errors: 1, cost_micros: "150" }),
    ]);
    const byKey = await usageBody(t.db, a, q("days=3&group_by=key"), now);
    const today = byKey.data[2].breakdown as { key_id: string; requests: number }[];
    expect(today.map((r) => [r.key_id, r.requests]).sort()).toEqual([[k1, 2], [k2, 1]].sort());
    expect(byKey.totals).toMatchObject({ requests: 4, cost_micros: "1057" });

    for (const qs of ["group_by=day", "group_by=model%00", "days=0", "days=91", "days=x"]) {
      expect(await codeOf(usageBody(t.db, a, q(qs), now))).toMatch(/^INVALID_REQUEST:(group_by|days)$/);
    }
  });
});
