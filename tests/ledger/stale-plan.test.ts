// Closing a hold by id must cost the same whether its account has a few pending holds or tens of
// thousands, even when the table's statistics were taken before the burst (autovacuum lagging,
// or off). Written as `status = 'pending'`, the by-id statements matched the partial index of
// pending holds, which stale statistics make look empty: the planner then filtered every pending
// hold by id — measured 20–50 ms per release with 150,000 pending holds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { extendHold, releaseHold } from "@/lib/ledger";
import { createTestDb, type TestDb } from "../helpers/db";
import { accountRow, makeAccount } from "./fixtures";

const BURST = 150_000;
const TIMED = 40;

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t.dispose();
});

/** `n` pending holds of 1,000 micros on the account, written directly (held_micros to match). */
async function pendingHolds(accountId: string, tag: string, n: number): Promise<string[]> {
  await t.db.execute(sql`
    INSERT INTO holds (id, account_id, request_id, amount_micros, status, expires_at)
    SELECT 'hold_' || ${tag} || g, ${accountId}, 'req_' || ${tag} || g, 1000, 'pending', now() + interval '1 hour'
    FROM generate_series(1, ${n}::int) g`);
  await t.db.execute(sql`UPDATE accounts SET held_micros = held_micros + ${n * 1000}::bigint WHERE id = ${accountId}`);
  return Array.from({ length: TIMED }, (_, i) => `hold_${tag}${i * Math.floor(n / TIMED) + 1}`);
}

async function timed(ids: string[], close: (id: string) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  for (const id of ids) await close(id);
  return performance.now() - t0;
}

describe.skipIf(!process.env.DATABASE_URL)("by-id hold statements with statistics older than a burst of pending holds", () => {
  it("release and extend a hold as fast during a burst of 150,000 pending holds as before it", async () => {
    const history = await makeAccount(t.db, "history");
    const busy = await makeAccount(t.db, "busy");
    const quiet = await makeAccount(t.db, "quiet");
    // Statistics taken when the table held only closed holds: "nothing is pending".
    await t.db.execute(sql`
      INSERT INTO holds (id, account_id, request_id, amount_micros, status, charged_micros, expires_at, settled_at)
      SELECT 'hold_old' || g, ${history}, 'req_old' || g, 1000, 'released', 0, now(), now() FROM generate_series(1, 30000) g`);
    await t.db.execute(sql`VACUUM ANALYZE holds`);

    // The baseline: the same calls before the burst, when few holds are pending.
    const quietIds = await pendingHolds(quiet, "quiet", TIMED);
    await releaseHold(t.db, `hold_quiet${TIMED}`); // warms the connections and statements
    const quietExtend = await timed(quietIds, (id) => extendHold(t.db, id, 600));
    const quietRelease = await timed(quietIds, (id) => releaseHold(t.db, id));

    const busyIds = await pendingHolds(busy, "busy", BURST);
    await releaseHold(t.db, `hold_busy${BURST}`);
    const busyExtend = await timed(busyIds, (id) => extendHold(t.db, id, 600));
    const busyRelease = await timed(busyIds, (id) => releaseHold(t.db, id));

    // A scan of the pending holds costs ~15 ms here: ≥ 600 ms for 40 calls, against ~1 ms per call by primary key.
    expect(busyExtend).toBeLessThan(quietExtend * 3 + 60);
    expect(busyRelease).toBeLessThan(quietRelease * 3 + 60);
    expect((await accountRow(t.db, busy)).held).toBe(BigInt((BURST - TIMED - 1) * 1000));
    expect((await accountRow(t.db, quiet)).held).toBe(0n);
  });
});
