// The limiter's Upstash store path (UPSTASH_REDIS_REST_URL/TOKEN → @upstash/redis over HTTP),
// driven through the real admission functions against a local stand-in for the Upstash REST API
// (tests/gateway/helpers/upstash-standin.ts) that executes on the real Redis at REDIS_URL.
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetEnvCache } from "../../lib/env";
import { AppError } from "../../lib/errors";
import { admit, concurrencyKey, getLimitStore, resetLimitStore, TIER_RPM, type Admission } from "../../lib/ratelimit";
import { testRedisPrefix } from "../helpers/db";
import { startUpstashStandin, type UpstashStandin } from "./helpers/upstash-standin";

const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL) console.warn("[upstash.test] skipped: REDIS_URL is not set (the Upstash stand-in executes on a real Redis)");

let seq = 0;
const uid = (p: string) => `${p}_${process.pid}_${Date.now().toString(36)}_${seq++}`;

async function refusal(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error("expected a refusal, got an admission");
}

/** Keeps a burst inside one 60 s window (the sliding window also weighs the previous one). */
async function awayFromWindowEdge(seconds = 5): Promise<void> {
  const into = Date.now() % 60_000;
  if (into > 60_000 - seconds * 1000) await new Promise((r) => setTimeout(r, 60_000 - into + 50));
}

async function waitFor(check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.skipIf(!REDIS_URL)("rate limiting through the Upstash REST store", () => {
  let standin: UpstashStandin;
  let direct: Redis; // the test's own view of Redis, to check what the stand-in wrote
  let prefix: string;

  beforeAll(async () => {
    standin = await startUpstashStandin({ redisUrl: REDIS_URL! });
    direct = new Redis(REDIS_URL!);
    prefix = testRedisPrefix();
    process.env.TOLLGATE_REDIS_PREFIX = prefix;
    process.env.UPSTASH_REDIS_REST_URL = standin.url;
    process.env.UPSTASH_REDIS_REST_TOKEN = standin.token;
    process.env.RATELIMIT_TIMEOUT_MS = "3000";
    resetEnvCache(); // the limiter reads these through the cached, validated environment
    resetLimitStore();
  });

  afterAll(async () => {
    const keys = await direct.keys(`${prefix}:*`);
    if (keys.length) await direct.del(...keys);
    direct.disconnect();
    await standin?.close();
    delete process.env.UPSTASH_REDIS_REST_URL;
    delete process.env.UPSTASH_REDIS_REST_TOKEN;
    resetEnvCache();
    resetLimitStore();
  });

  it("the stand-in speaks the Upstash REST protocol: bearer auth, encodings, pipeline, multi-exec, errors", async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${standin.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${standin.token}`, "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
    const k = `${prefix}:proto`;
    expect((await fetch(standin.url, { method: "POST", body: '["PING"]' })).status).toBe(401);
    expect((await post("/", ["PING"], { authorization: "Bearer wrong" })).status).toBe(401);

    expect(await (await post("/", ["SET", k, "héllo"])).json()).toEqual({ result: "OK" });
    expect(await (await post("/", ["GET", k])).json()).toEqual({ result: "héllo" });
    expect(await (await post("/", ["GET", k], { "upstash-encoding": "base64" })).json()).toEqual({ result: Buffer.from("héllo").toString("base64") });

    const bad = await post("/", ["INCR", k]);
    expect(bad.status).toBe(400);
    expect((await bad.json()) as { error: string }).toEqual({ error: expect.stringContaining("not an integer") });
    expect((await post("/", "{not json")).status).toBe(400);
    expect((await post("/", [{ nested: 1 }])).status).toBe(400);

    const pipe = await post("/pipeline", [["INCR", `${k}:n`], ["INCR", k], ["GET", `${k}:n`]]);
    expect(pipe.status).toBe(200);
    expect(await pipe.json()).toEqual([{ result: 1 }, { error: expect.stringContaining("not an integer") }, { result: "1" }]);
    expect(await (await post("/multi-exec", [["INCR", `${k}:n`], ["INCR", `${k}:n`]])).json()).toEqual([{ result: 2 }, { result: 3 }]);
    expect((await post("/multi-exec", [["INCR", `${k}:n`], ["NOSUCHCOMMAND"]])).status).toBe(400);
    expect(await direct.get(`${k}:n`)).toBe("3"); // the aborted transaction ran nothing

    // Upstash's own script flag is accepted, and EVALSHA works with the client's SHA afterwards.
    const script = "#!lua flags=allow-key-locking\nreturn {1, ARGV[1]}";
    expect(await (await post("/", ["EVAL", script, 0, "x"])).json()).toEqual({ result: [1, "x"] });
    const { createHash } = await import("node:crypto");
    const sha = createHash("sha1").update(script).digest("hex");
    expect(await (await post("/", ["EVALSHA", sha, 0, "y"])).json()).toEqual({ result: [1, "y"] });
    const missing = await post("/", ["EVALSHA", "0".repeat(40), 0]);
    expect(await missing.json()).toEqual({ error: expect.stringContaining("NOSCRIPT") });
  });

  it("the limiter's store is the Upstash REST client, not ioredis", async () => {
    const store = await getLimitStore();
    expect(store.kind).toBe("upstash");
    expect(store.redis.constructor.name).not.toBe("IoredisUpstashAdapter");
  });

  it("tier N admits N requests in a window, then refuses with a retry time; all through the REST stand-in", async () => {
    const n = TIER_RPM.standard;
    const keyId = uid("key");
    const accountId = uid("acct");
    await awayFromWindowEdge();
    standin.resetStats();
    const base = { keyId, accountId, tier: "standard", customRpm: null, customConcurrency: 1000, concurrencyLimit: 1000 };
    const admitted: Admission[] = await Promise.all(Array.from({ length: n }, () => admit({ ...base, requestId: uid("req") })));
    expect(admitted).toHaveLength(n);
    expect(new Set(admitted.map((a) => a.remaining)).size).toBe(n); // each saw its own count
    expect(Math.min(...admitted.map((a) => a.remaining))).toBe(0);
    for (const a of admitted) a.release();

    const refused = await refusal(admit({ ...base, requestId: uid("req") }));
    expect(refused.code).toBe("RATE_LIMITED");
    const retry = (refused as AppError & { retryAfterSeconds?: number }).retryAfterSeconds;
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);

    // Every script call went over HTTP to the stand-in, and the state lives in the real Redis.
    const evals = standin.stats.commands.filter((c) => c === "EVALSHA" || c === "EVAL").length;
    expect(evals).toBeGreaterThanOrEqual(2 * (n + 1)); // limiter + admission script per admission
    expect(standin.totalRequests()).toBeGreaterThan(0);
    expect(standin.totalRequests()).toBeLessThan(evals); // auto-pipelined: several commands per HTTP request
    expect(await direct.keys(`${prefix}:rl:${keyId}:*`)).not.toHaveLength(0);
    await waitFor(async () => (await direct.zcard(`${concurrencyKey(accountId)}`)) === 0);

    // Another key is counted separately.
    const other = await admit({ ...base, keyId: uid("key"), requestId: uid("req") });
    expect(other.remaining).toBe(n - 1);
    other.release();
  });

  it("a warm admission is one HTTP request carrying both scripts", async () => {
    const base = { keyId: uid("key"), accountId: uid("acct"), tier: "enterprise", customRpm: null, concurrencyLimit: 10 };
    (await admit({ ...base, requestId: uid("req") })).release(); // scripts loaded
    await new Promise((r) => setTimeout(r, 50)); // let the release's ZREM go out first
    standin.resetStats();
    const a = await admit({ ...base, requestId: uid("req") });
    expect(standin.stats.commands).toEqual(["EVALSHA", "EVALSHA"]);
    expect(standin.stats.requests).toEqual({ "/pipeline": 1 });
    a.release();
  });

  it("the concurrency slot is taken, refused at the limit, and released over REST", async () => {
    const accountId = uid("acct");
    const ccKey = `${concurrencyKey(accountId)}`;
    const base = { keyId: uid("key"), accountId, tier: "professional", customRpm: null, concurrencyLimit: 2 };
    const [a, b] = await Promise.all([admit({ ...base, requestId: uid("req") }), admit({ ...base, requestId: uid("req") })]);
    expect(await direct.zcard(ccKey)).toBe(2);

    const refused = await refusal(admit({ ...base, requestId: uid("req") }));
    expect(refused.code).toBe("CONCURRENCY_LIMITED");
    expect(await direct.zcard(ccKey)).toBe(2);

    a.release();
    await waitFor(async () => (await direct.zcard(ccKey)) === 1);
    standin.resetStats();
    a.release(); // idempotent: nothing more goes out
    await new Promise((r) => setTimeout(r, 50));
    expect(standin.stats.commands).toEqual([]);

    const c = await admit({ ...base, requestId: uid("req") });
    expect(await direct.zcard(ccKey)).toBe(2);
    b.release();
    c.release();
    await waitFor(async () => (await direct.zcard(ccKey)) === 0);
  });

  it("many parallel admissions for one account never hold more slots than the limit", async () => {
    const accountId = uid("acct");
    const limit = 5;
    const base = { keyId: uid("key"), accountId, tier: "enterprise", customRpm: null, concurrencyLimit: limit };
    const results = await Promise.allSettled(Array.from({ length: 40 }, () => admit({ ...base, requestId: uid("req") })));
    const ok = results.filter((r): r is PromiseFulfilledResult<Admission> => r.status === "fulfilled");
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(ok).toHaveLength(limit);
    expect(refused.every((r) => r.reason instanceof AppError && r.reason.code === "CONCURRENCY_LIMITED")).toBe(true);
    expect(await direct.zcard(`${concurrencyKey(accountId)}`)).toBe(limit);
    for (const r of ok) r.value.release();
    await waitFor(async () => (await direct.zcard(`${concurrencyKey(accountId)}`)) === 0);
  });

  // Last: it stops the stand-in. With the REST endpoint gone nothing else reaches Redis, so the
  // limiter fails open instead of quietly falling back to ioredis.
  it("with the REST endpoint down, admission fails open", async () => {
    await standin.close();
    process.env.RATELIMIT_TIMEOUT_MS = "300";
    resetEnvCache();
    const accountId = uid("acct");
    const base = { keyId: uid("key"), accountId, tier: "standard", customRpm: null, concurrencyLimit: 1 };
    const a = await admit({ ...base, requestId: uid("req") });
    const b = await admit({ ...base, requestId: uid("req") }); // over the concurrency limit, admitted anyway
    expect(a.limit).toBe(TIER_RPM.standard);
    expect(b.limit).toBe(TIER_RPM.standard);
    expect(await direct.exists(`${concurrencyKey(accountId)}`)).toBe(0);
  });
});
