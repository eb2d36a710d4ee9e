// A served call is always billed: with the database unreachable for 30 s after the answer went
// out, the reservation keeps retrying the settlement until it is booked — once, for the right
// amount, with its request row — and the hold is not released meanwhile.
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holds, requests } from "../../db/schema";
import { openDb, setDbHandle, type DbHandle } from "../../lib/db";
import { getCredits, verifyLedger } from "../../lib/ledger";
import { startCuttableProxy, type CuttableProxy } from "../helpers/tcp-proxy";
import { fundedAccount, mockTokens, newKey, settled, sleep, startGateway, RELAXED_TIMEOUTS, type Gateway } from "./helpers";

const pg = !!process.env.DATABASE_URL;
let gw: Gateway;
let proxy: CuttableProxy;
let appDb: DbHandle;

beforeAll(async () => {
  if (!pg) return;
  gw = await startGateway(RELAXED_TIMEOUTS);
  // The app reaches PostgreSQL through a proxy the test can cut; the test itself reads directly.
  const direct = new URL(gw.t.url!);
  proxy = await startCuttableProxy(direct.hostname, Number(direct.port || 5432));
  const viaProxy = new URL(gw.t.url!);
  viaProxy.host = `127.0.0.1:${proxy.port}`;
  appDb = await openDb({ databaseUrl: viaProxy.toString(), poolSize: 10 });
  setDbHandle(appDb);
});
afterAll(async () => {
  setDbHandle(gw?.t);
  await appDb?.close();
  await proxy?.close();
  await gw?.close();
});

const cost = (inTok: number, outTok: number) => BigInt(Math.ceil((inTok * 500_000 + outTok * 1_500_000) / 1e6));

describe.skipIf(!pg)("database unreachable after the answer went out", () => {
  it("JSON and streamed calls are answered, then booked once the database is back (30 s later)", async () => {
    const FUNDS = 10_000_000n;
    const { accountId } = await fundedAccount(gw.t, { micros: FUNDS });
    const { key } = await newKey(gw.t, accountId, { tier: "enterprise" });
    const post = (content: string, stream: boolean) =>
      fetch(`${gw.base}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: "mock-small", max_tokens: 50, stream, messages: [{ role: "user", content }] }),
      });
    const jsonPrompt = "outage json #latency=1500 #tokens=7";
    const streamPrompt = "outage stream #latency=1500 #tokens=4";
    const calls = [post(jsonPrompt, false), post(streamPrompt, true)];
    // Both holds are placed; then the database goes away before either upstream answers.
    for (let i = 0; i < 50; i++) {
      const pending = await gw.t.db.select().from(holds).where(and(eq(holds.accountId, accountId), eq(holds.status, "pending")));
      if (pending.length === 2) break;
      await sleep(20);
    }
    proxy.cut();
    const [jsonRes, streamRes] = await Promise.all(calls);
    expect(jsonRes.status).toBe(200);
    expect((await jsonRes.json()).usage.completion_tokens).toBe(7);
    expect(streamRes.status).toBe(200);
    expect(await streamRes.text()).toContain("data: [DONE]");
    const jsonId = jsonRes.headers.get("x-request-id")!;
    const streamId = streamRes.headers.get("x-request-id")!;

    // 30 s without a database: nothing booked, both holds still pending and not expired.
    await sleep(30_000);
    expect(await gw.t.db.select().from(requests).where(eq(requests.accountId, accountId))).toEqual([]);
    const pending = await gw.t.db.select().from(holds).where(and(eq(holds.accountId, accountId), eq(holds.status, "pending")));
    expect(pending).toHaveLength(2);

    proxy.restore();
    await settled(); // the reservations' retries book both calls
    const rows = await gw.t.db.select().from(requests).where(eq(requests.accountId, accountId));
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(jsonId)).toMatchObject({ statusCode: 200, usageSource: "reported", costMicros: cost(mockTokens(jsonPrompt), 7) });
    expect(byId.get(streamId)).toMatchObject({ statusCode: 200, usageSource: "reported", costMicros: cost(mockTokens(streamPrompt), 4) });
    const credits = await getCredits(gw.t.db, accountId);
    expect(credits.heldMicros).toBe(0n);
    expect(credits.balanceMicros).toBe(FUNDS - cost(mockTokens(jsonPrompt), 7) - cost(mockTokens(streamPrompt), 4));
    expect((await verifyLedger(gw.t.db, accountId)).violations).toEqual([]);
  }, 90_000);
});
