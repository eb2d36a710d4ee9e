// PostgreSQL connections cut while calls are in flight (a failover, a restart, a proxy dropping
// idle sockets): every call answers, nothing is charged twice or lost, the books still balance,
// and the pipelined hot-path connections come back on their own.
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holds, requests } from "../../db/schema";
import { rows } from "../../lib/db";
import { getCredits, sweepHolds, verifyLedger } from "../../lib/ledger";
import { fundedAccount, newKey, postJson, RELAXED_TIMEOUTS, settled, sleep, startGateway, type Gateway } from "./helpers";

const pg = !!process.env.DATABASE_URL;
let gw: Gateway;
beforeAll(async () => {
  if (pg) gw = await startGateway(RELAXED_TIMEOUTS);
});
afterAll(async () => {
  await gw?.close();
});

async function cutAllConnections(): Promise<number> {
  const r = await rows<{ n: string }>(
    gw.t.db,
    sql`SELECT COUNT(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  );
  return Number(r[0]?.n ?? 0);
}

describe.skipIf(!pg)("database connections cut under load", () => {
  it("every call answers; charges equal the logged costs of served calls; the ledger verifies", async () => {
    const FUNDS = 50_000_000n;
    const { accountId } = await fundedAccount(gw.t, { micros: FUNDS, concurrency: 200 });
    const { key } = await newKey(gw.t, accountId, { tier: "enterprise" });
    const call = (i: number) =>
      postJson(`${gw.base}/chat/completions`, key, { model: "mock-small", max_tokens: 32, messages: [{ role: "user", content: `cut test ${i} #latency=${20 + (i % 7) * 15}` }] }).then(
        async (r) => ({ status: r.status, id: r.headers.get("x-request-id"), body: await r.text() }),
        (e: unknown) => ({ status: 0, id: null, body: String(e) }),
      );

    // At most 40 calls open at once: the key admits 50, and on a slow machine calls stalled by the
    // cut would otherwise pile past that and turn into 429s this test is not about.
    const inFlight: Promise<{ status: number; id: string | null; body: string }>[] = [];
    let open = 0;
    for (let i = 0; i < 120; i++) {
      while (open >= 40) await sleep(5);
      open++;
      inFlight.push(call(i).finally(() => open--));
      if (i === 40 || i === 80) expect(await cutAllConnections()).toBeGreaterThan(0);
      await sleep(3);
    }
    const results = await Promise.all(inFlight);
    await settled();

    // Every call got an HTTP answer: served, or a clean 5xx error body — never a hang or a reset.
    for (const r of results) {
      expect(r.status === 200 || (r.status >= 500 && r.body.includes('"code"')), `${r.status} ${r.body.slice(0, 200)}`).toBe(true);
    }
    const served = results.filter((r) => r.status === 200);
    expect(served.length).toBeGreaterThan(60);

    // Each served call is logged once with its cost; the account was charged exactly the sum.
    const logged = await gw.t.db.select().from(requests).where(and(eq(requests.accountId, accountId), eq(requests.statusCode, 200)));
    expect(new Set(logged.map((r) => r.id))).toEqual(new Set(served.map((r) => r.id)));
    const charged = logged.reduce((s, r) => s + r.costMicros, 0n);
    expect(charged).toBeGreaterThan(0n);

    // A hold whose statement committed just as its connection died is left to the sweeper.
    await sweepHolds(gw.t.db, new Date(Date.now() + 3 * 3600_000));
    expect(await gw.t.db.select().from(holds).where(and(eq(holds.accountId, accountId), eq(holds.status, "pending")))).toEqual([]);
    const credits = await getCredits(gw.t.db, accountId);
    expect(credits.heldMicros).toBe(0n);
    expect(credits.balanceMicros).toBe(FUNDS - charged);
    expect((await verifyLedger(gw.t.db, accountId)).violations).toEqual([]);

    // And the gateway is healthy again without a restart.
    const after = await call(999);
    expect(after.status).toBe(200);
  }, 60_000);
});
