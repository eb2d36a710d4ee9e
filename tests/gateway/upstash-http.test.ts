// The real HTTP gateway with its limiter on the Upstash REST store (the stand-in in
// helpers/upstash-standin.ts, executing on the real Redis at REDIS_URL): 429s, Retry-After and
// concurrency slots behave as on ioredis, and every admission goes over REST.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetEnvCache } from "../../lib/env";
import { concurrencyKey, getLimitStore, resetLimitStore } from "../../lib/ratelimit";
import { fundedAccount, getJson, newKey, postJson, RELAXED_TIMEOUTS, sleep, startGateway, type Gateway } from "./helpers";
import { startUpstashStandin, type UpstashStandin } from "./helpers/upstash-standin";

const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL) console.warn("[upstash-http.test] skipped: REDIS_URL is not set (the Upstash stand-in executes on a real Redis)");

async function awayFromWindowEdge(seconds = 10): Promise<void> {
  const into = Date.now() % 60_000;
  if (into > 60_000 - seconds * 1000) await sleep(60_000 - into + 50);
}

const scriptCalls = (s: UpstashStandin) => s.stats.commands.filter((c) => c === "EVALSHA" || c === "EVAL").length;

describe.skipIf(!REDIS_URL)("gateway over the Upstash REST store", () => {
  let standin: UpstashStandin;
  let gw: Gateway;

  beforeAll(async () => {
    standin = await startUpstashStandin({ redisUrl: REDIS_URL! });
    process.env.UPSTASH_REDIS_REST_URL = standin.url;
    process.env.UPSTASH_REDIS_REST_TOKEN = standin.token;
    resetLimitStore();
    gw = await startGateway({ ...RELAXED_TIMEOUTS, RATELIMIT_TIMEOUT_MS: "3000" });
  });

  afterAll(async () => {
    await gw?.close();
    await standin?.close();
    delete process.env.UPSTASH_REDIS_REST_URL;
    delete process.env.UPSTASH_REDIS_REST_TOKEN;
    resetEnvCache();
    resetLimitStore();
  });

  it("the app's limiter uses the REST store", async () => {
    expect((await getLimitStore()).kind).toBe("upstash");
  });

  it("/health checks the store the limiter uses (PING over REST)", async () => {
    standin.resetStats();
    const res = await fetch(`${gw.base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "ok", redis: "ok" });
    expect(standin.stats.commands).toContain("PING");
  });

  it("a standard key gets 30 requests per minute, then 429 RATE_LIMITED with Retry-After; all admissions over REST", async () => {
    const { accountId } = await fundedAccount(gw.t, { concurrency: 100 });
    const { key } = await newKey(gw.t, accountId, { tier: "standard", customConcurrency: 100 });
    await awayFromWindowEdge();
    standin.resetStats();
    const res = await Promise.all(Array.from({ length: 30 }, () => getJson(`${gw.base}/credits`, key)));
    expect(res.map((r) => r.status)).toEqual(Array(30).fill(200));
    expect(res.map((r) => r.headers.get("x-ratelimit-limit"))).toEqual(Array(30).fill("30"));

    const limited = await getJson(`${gw.base}/credits`, key);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(await limited.json()).toMatchObject({ code: "RATE_LIMITED", status: 429, retry_after: retryAfter });

    expect(scriptCalls(standin)).toBeGreaterThanOrEqual(2 * 31);
    expect(standin.totalRequests()).toBeGreaterThan(0);
  });

  it("concurrency: excess in-flight calls get 429 CONCURRENCY_LIMITED and slots free when calls finish", async () => {
    const { accountId } = await fundedAccount(gw.t, { concurrency: 2 });
    const { key } = await newKey(gw.t, accountId, { tier: "enterprise" });
    const slow = () => postJson(`${gw.base}/chat/completions`, key, { model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: "slow #latency=700" }] });
    standin.resetStats();
    const res = await Promise.all([slow(), slow(), slow(), slow()]);
    expect(res.map((r) => r.status).sort()).toEqual([200, 200, 429, 429]);
    const limited = res.find((r) => r.status === 429)!;
    expect((await limited.json()).code).toBe("CONCURRENCY_LIMITED");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // The two finished calls gave their slots back over REST (a release script each).
    const direct = new Redis(REDIS_URL!);
    try {
      const started = Date.now();
      while ((await direct.zcard(concurrencyKey(accountId))) > 0 && Date.now() - started < 3000) await sleep(20);
      expect(await direct.zcard(concurrencyKey(accountId))).toBe(0);
    } finally {
      direct.disconnect();
    }
    const again = await Promise.all([slow(), slow()]);
    expect(again.map((r) => r.status)).toEqual([200, 200]);
  });
});
