// Redis unreachable: admission fails open (prepaid holds still protect the money), quickly.
import { afterAll, beforeAll, expect, it } from "vitest";
import { getCredits } from "../../lib/ledger";
import { fundedAccount, newKey, postJson, startGateway, type Gateway } from "./helpers";

let gw: Gateway;
beforeAll(async () => {
  process.env.REDIS_URL = "redis://127.0.0.1:1"; // nothing listens there
  delete process.env.UPSTASH_REDIS_REST_URL;
  gw = await startGateway({ RATELIMIT_TIMEOUT_MS: "300" });
});
afterAll(async () => {
  await gw?.close();
});

it("requests are served and billed while the limiter's Redis is down", async () => {
  const { accountId } = await fundedAccount(gw.t);
  const { key } = await newKey(gw.t, accountId);
  const body = { model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: "redis is down" }] };
  const started = performance.now();
  const results = [];
  for (let i = 0; i < 5; i++) results.push(await postJson(`${gw.base}/chat/completions`, key, body));
  expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  expect(results[4].headers.get("x-ratelimit-limit")).toBe("30");
  expect(performance.now() - started).toBeLessThan(4000); // not a timeout per request
  expect((await getCredits(gw.t.db, accountId)).balanceMicros).toBeLessThan(BigInt(10_000_000));
  const health = await fetch(`${gw.base}/health`);
  expect(health.status).toBe(503);
  expect(await health.json()).toMatchObject({ redis: "error" });
});
