// Authentication, per-key RPM tiers, per-account concurrency, revocation/expiry/grace over HTTP.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeys } from "../../db/schema";
import { generateKey, revokeKey, rotateKey, updateKey } from "../../lib/keys";
import { getLimitStore } from "../../lib/ratelimit";
import { getRedis } from "../../lib/redis";
import { fundedAccount, getJson, newKey, postJson, sleep, startGateway, type Gateway } from "./helpers";

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(async () => {
  await gw?.close();
});

/** Keeps a burst inside one 60 s window (the sliding window also weighs the previous one). */
async function awayFromWindowEdge(seconds = 10): Promise<void> {
  const into = Date.now() % 60_000;
  if (into > 60_000 - seconds * 1000) await sleep(60_000 - into + 50);
}

describe("authentication", () => {
  it("missing, malformed, bad-checksum and unknown keys → 401 INVALID_API_KEY with request id and rate headers", async () => {
    const good = generateKey();
    const badChecksum = good.slice(0, -1) + (good.endsWith("a") ? "b" : "a");
    for (const key of [null, "sk-not-ours", "tg_live_short", badChecksum, good]) {
      const res = await getJson(`${gw.base}/models`, key);
      expect(res.status).toBe(401);
      const body = await res.json();
      expect(body).toMatchObject({ error: { type: "authentication_error", code: "INVALID_API_KEY" }, code: "INVALID_API_KEY", status: 401 });
      expect(body.request_id).toBe(res.headers.get("x-request-id"));
      expect(res.headers.get("x-ratelimit-limit")).toMatch(/^\d+$/);
      expect(res.headers.get("x-ratelimit-reset")).toMatch(/^\d{10}$/);
      expect(JSON.stringify(body)).not.toMatch(/stack|SELECT|at \//);
    }
  });

  it("unknown /api/v1 paths answer 404 in the API error shape; /health carries a request id", async () => {
    const res = await getJson(`${gw.base}/no/such/thing`, null);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "NOT_FOUND", status: 404, error: { code: "NOT_FOUND" } });
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    const health = await getJson(`${gw.base}/health`, null);
    expect(health.status).toBe(200);
    expect(health.headers.get("x-request-id")).toMatch(/^req_/);
  });

  it("accepts x-api-key; always mints its own request id, echoes the client's in X-Client-Request-Id, refuses a malformed one", async () => {
    const { accountId } = await fundedAccount(gw.t);
    const { key } = await newKey(gw.t, accountId);
    const ok = await fetch(`${gw.base}/credits`, { headers: { "x-api-key": key, "x-request-id": "client-req-123456" } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-request-id")).toMatch(/^req_/);
    expect(ok.headers.get("x-client-request-id")).toBe("client-req-123456");
    expect(ok.headers.get("x-credit-balance-usd")).toBe("10.000000");
    const bad = await fetch(`${gw.base}/credits`, { headers: { "x-api-key": key, "x-request-id": "bad id with spaces" } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("x-request-id")).toMatch(/^req_/);
    expect((await bad.json()).error.param).toBe("X-Request-Id");
  });

  it("revoked key stops working within 5 s even when another instance revoked it (no local eviction)", async () => {
    const { accountId } = await fundedAccount(gw.t);
    const { id, key } = await newKey(gw.t, accountId);
    expect((await getJson(`${gw.base}/credits`, key)).status).toBe(200); // cached now
    // Simulate the revocation happening elsewhere: straight to the database, no cache eviction here.
    await gw.t.db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, id));
    const started = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - started < 6000) {
      status = (await getJson(`${gw.base}/credits`, key)).status;
      if (status === 200) await sleep(100);
    }
    expect(status).toBe(401);
    expect(Date.now() - started).toBeLessThanOrEqual(5000);
  });

  it("with Redis, a change made by another instance is broadcast: the next request here sees it", async () => {
    if (!process.env.REDIS_URL) return; // pub/sub needs a shared Redis
    const { accountId } = await fundedAccount(gw.t);
    const { id, key } = await newKey(gw.t, accountId, { tier: "standard" });
    expect((await getJson(`${gw.base}/credits`, key)).headers.get("x-ratelimit-limit")).toBe("30"); // cached
    // Another instance updates the key and publishes the eviction; nothing is evicted locally.
    await gw.t.db.update(apiKeys).set({ tier: "professional" }).where(eq(apiKeys.id, id));
    const { Redis } = await import("ioredis");
    const other = new Redis(process.env.REDIS_URL);
    try {
      await other.publish("tollgate:keys:invalidate", id);
    } finally {
      other.disconnect();
    }
    await sleep(50); // delivery to this instance's subscriber
    expect((await getJson(`${gw.base}/credits`, key)).headers.get("x-ratelimit-limit")).toBe("120");
  });

  it("revokeKey through the service takes effect on the very next request", async () => {
    const { accountId } = await fundedAccount(gw.t);
    const { id, key } = await newKey(gw.t, accountId);
    expect((await getJson(`${gw.base}/credits`, key)).status).toBe(200);
    await revokeKey(gw.t.db, { accountId, actorKind: "user" }, id);
    const res = await getJson(`${gw.base}/credits`, key);
    expect(res.status).toBe(401);
    expect((await res.json()).code).toBe("KEY_REVOKED");
  });

  it("rotation: old key works during grace, not after; graceHours 0 revokes at once", async () => {
    const { accountId } = await fundedAccount(gw.t);
    const ctx = { accountId, actorKind: "user" as const };
    const first = await newKey(gw.t, accountId);
    const r1 = await rotateKey(gw.t.db, ctx, first.id, { graceHours: 1 });
    expect((await getJson(`${gw.base}/credits`, first.key)).status).toBe(200);
    expect((await getJson(`${gw.base}/credits`, r1.plaintext)).status).toBe(200);
    // Grace ends (as if an hour passed).
    await gw.t.db.update(apiKeys).set({ graceUntil: new Date(Date.now() - 1000) }).where(eq(apiKeys.id, first.id));
    await updateKey(gw.t.db, ctx, first.id, { name: "evict cache" }).catch(() => undefined);
    const after = await getJson(`${gw.base}/credits`, first.key);
    expect(after.status).toBe(401);
    expect((await after.json()).code).toBe("KEY_REVOKED");
    const r2 = await rotateKey(gw.t.db, ctx, r1.key.id, { graceHours: 0 });
    expect((await (await getJson(`${gw.base}/credits`, r1.plaintext)).json()).code).toBe("KEY_REVOKED");
    expect((await getJson(`${gw.base}/credits`, r2.plaintext)).status).toBe(200);
  });

  it("rotation does not buy a fresh day: the new key inherits today's request count and spend", async () => {
    const { accountId } = await fundedAccount(gw.t);
    const ctx = { accountId, actorKind: "user" as const };
    const first = await newKey(gw.t, accountId, { customRpd: 5 });
    for (let i = 0; i < 3; i++) expect((await getJson(`${gw.base}/credits`, first.key)).status).toBe(200);
    await gw.t.db.update(apiKeys).set({ spendDay: new Date().toISOString().slice(0, 10), spendDayMicros: 1_234_567n }).where(eq(apiKeys.id, first.id));
    const r = await rotateKey(gw.t.db, ctx, first.id, { graceHours: 0 });
    const [row] = await gw.t.db.select().from(apiKeys).where(eq(apiKeys.id, r.key.id));
    expect(row.spendDayMicros).toBe(1_234_567n);
    const next = await getJson(`${gw.base}/credits`, r.plaintext);
    expect(next.status).toBe(200);
    expect(next.headers.get("x-ratelimit-remaining-day")).toBe("1"); // 3 + this one of 5
    expect((await getJson(`${gw.base}/credits`, r.plaintext)).status).toBe(200);
    const over = await getJson(`${gw.base}/credits`, r.plaintext);
    expect(over.status).toBe(429);
  });

  it("rotation does not buy a fresh minute: the new key inherits the minute window's count", async () => {
    const { accountId } = await fundedAccount(gw.t);
    const ctx = { accountId, actorKind: "user" as const };
    const first = await newKey(gw.t, accountId, { customRpm: 5 });
    await awayFromWindowEdge();
    for (let i = 0; i < 4; i++) expect((await getJson(`${gw.base}/credits`, first.key)).status).toBe(200);
    const r = await rotateKey(gw.t.db, ctx, first.id, { graceHours: 0 });
    const next = await getJson(`${gw.base}/credits`, r.plaintext);
    expect(next.status).toBe(200);
    expect(next.headers.get("x-ratelimit-remaining")).toBe("0"); // 4 + this one of 5
    const over = await getJson(`${gw.base}/credits`, r.plaintext);
    expect(over.status).toBe(429);
    expect((await over.json()).code).toBe("RATE_LIMITED");
  });

  it("expired key → 401 KEY_EXPIRED", async () => {
    const { accountId } = await fundedAccount(gw.t);
    const { key } = await newKey(gw.t, accountId, { expiresAt: new Date(Date.now() + 800) });
    expect((await getJson(`${gw.base}/credits`, key)).status).toBe(200);
    await sleep(900);
    const res = await getJson(`${gw.base}/credits`, key);
    expect(res.status).toBe(401);
    expect((await res.json()).code).toBe("KEY_EXPIRED");
  });
});

describe("rate limits", () => {
  it("standard tier allows 30 per minute, then 429 with Retry-After and retry_after; a tier upgrade applies on the next request", async () => {
    const { accountId } = await fundedAccount(gw.t);
    const { id, key } = await newKey(gw.t, accountId, { tier: "standard" });
    await awayFromWindowEdge();
    const statuses: number[] = [];
    let lastRemaining = "";
    for (let i = 0; i < 30; i++) {
      const res = await getJson(`${gw.base}/models`, key);
      statuses.push(res.status);
      expect(res.headers.get("x-ratelimit-limit")).toBe("30");
      lastRemaining = res.headers.get("x-ratelimit-remaining")!;
      await res.arrayBuffer();
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(lastRemaining).toBe("0");
    const limited = await getJson(`${gw.base}/models`, key);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = await limited.json();
    expect(body).toMatchObject({ code: "RATE_LIMITED", status: 429, error: { type: "rate_limit_error", code: "RATE_LIMITED" } });
    expect(body.retry_after).toBe(retryAfter);
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");

    await updateKey(gw.t.db, { accountId, actorKind: "user" }, id, { tier: "enhanced" });
    const upgraded = await getJson(`${gw.base}/models`, key);
    expect(upgraded.status).toBe(200);
    expect(upgraded.headers.get("x-ratelimit-limit")).toBe("60");
    // Downgrade again: the 31 requests already counted exceed 30 → limited immediately.
    await updateKey(gw.t.db, { accountId, actorKind: "user" }, id, { tier: "standard" });
    expect((await getJson(`${gw.base}/models`, key)).status).toBe(429);
  });

  it("a custom RPM overrides the tier; keys are limited independently", async () => {
    const { accountId } = await fundedAccount(gw.t);
    const custom = await newKey(gw.t, accountId, { tier: "enterprise", customRpm: 3 });
    const other = await newKey(gw.t, accountId, { tier: "standard" });
    await awayFromWindowEdge();
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await getJson(`${gw.base}/credits`, custom.key)).status);
    expect(codes).toEqual([200, 200, 200, 429]);
    expect((await getJson(`${gw.base}/credits`, other.key)).status).toBe(200);
  });

  it("many parallel requests never exceed the limit", async () => {
    const { accountId } = await fundedAccount(gw.t, { concurrency: 100 });
    const { key } = await newKey(gw.t, accountId, { customRpm: 10, customConcurrency: 100 });
    await awayFromWindowEdge();
    const res = await Promise.all(Array.from({ length: 40 }, () => getJson(`${gw.base}/credits`, key)));
    const ok = res.filter((r) => r.status === 200).length;
    expect(ok).toBe(10);
    expect(res.filter((r) => r.status === 429).length).toBe(30);
  });
});

describe("concurrency", () => {
  it("per-account limit: excess in-flight requests get 429 CONCURRENCY_LIMITED; slots free when calls finish", async () => {
    const { accountId } = await fundedAccount(gw.t, { concurrency: 2 });
    const { key } = await newKey(gw.t, accountId, { tier: "enterprise" });
    const slow = () => postJson(`${gw.base}/chat/completions`, key, { model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: "slow #latency=700" }] });
    const res = await Promise.all([slow(), slow(), slow(), slow()]);
    const statuses = res.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429]);
    const limited = res.find((r) => r.status === 429)!;
    expect((await limited.json()).code).toBe("CONCURRENCY_LIMITED");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // All slots were released: two more in parallel both succeed.
    const again = await Promise.all([slow(), slow()]);
    expect(again.map((r) => r.status)).toEqual([200, 200]);
  });

  it("a stream holds its slot until it ends, and an aborted stream releases it", async () => {
    const { accountId } = await fundedAccount(gw.t, { concurrency: 1 });
    const { key } = await newKey(gw.t, accountId, { tier: "enterprise" });
    const streaming = await postJson(`${gw.base}/chat/completions`, key, { model: "mock-small", stream: true, messages: [{ role: "user", content: "long #tokens=50 #interval=40" }] }, {});
    expect(streaming.status).toBe(200);
    const reader = streaming.body!.getReader();
    await reader.read();
    const during = await getJson(`${gw.base}/credits`, key);
    expect(during.status).toBe(429);
    await reader.cancel();
    let status = 429;
    const started = Date.now();
    while (status === 429 && Date.now() - started < 3000) {
      status = (await getJson(`${gw.base}/credits`, key)).status;
      if (status === 429) await sleep(50);
    }
    expect(status).toBe(200);
  });

  it("before the upstream call: at most 2 PostgreSQL round trips (warm key cache)", async () => {
    if (!gw.t.url) return; // counts node-postgres queries
    const pg = await import("pg");
    const { accountId } = await fundedAccount(gw.t);
    const { key } = await newKey(gw.t, accountId, { tier: "enterprise" });
    const body = (s: string) => ({ model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: s }] });
    expect((await postJson(`${gw.base}/chat/completions`, key, body("warm up"))).status).toBe(200);
    const proto = pg.default.Client.prototype as unknown as { query: (...a: unknown[]) => unknown };
    const original = proto.query;
    const seen: string[] = [];
    proto.query = function (this: unknown, ...a: unknown[]) {
      const q = a[0] as string | { text?: string };
      seen.push(typeof q === "string" ? q : (q?.text ?? ""));
      return original.apply(this, a);
    };
    try {
      // The upstream hangs, so everything counted in the first 600 ms happened before it.
      const pending = postJson(`${gw.base}/chat/completions`, key, body("count my queries #fault=hang"));
      await sleep(600);
      const before = seen.length;
      const res = await pending;
      expect(res.status).toBe(504);
      expect(before).toBeLessThanOrEqual(2);
    } finally {
      proto.query = original;
    }
  });

  it("admission is one Redis round trip (rate limit + concurrency pipelined into a single write)", async () => {
    const store = await getLimitStore();
    if (store.kind !== "redis") return; // only meaningful on a real connection
    const { client } = await getRedis();
    const { accountId } = await fundedAccount(gw.t);
    const { key } = await newKey(gw.t, accountId);
    await getJson(`${gw.base}/credits`, key); // warm: scripts loaded, key cached
    const stream = (client as unknown as { stream: { write: (...a: unknown[]) => boolean } }).stream;
    const original = stream.write.bind(stream);
    const writes: string[] = [];
    stream.write = (...a: unknown[]) => {
      writes.push(String(a[0]));
      return original(...a);
    };
    try {
      const res = await getJson(`${gw.base}/credits`, key);
      expect(res.status).toBe(200);
    } finally {
      stream.write = original;
    }
    // One write carrying both admission EVALSHAs (minute window; day quota + concurrency). The
    // slot release after the answer is a separate, later write with one script of its own.
    const evalWrites = writes.filter((w) => /evalsha/i.test(w));
    expect(evalWrites[0].match(/evalsha/gi)?.length).toBe(2);
    expect(evalWrites.slice(1).map((w) => w.match(/evalsha/gi)?.length)).toEqual(evalWrites.length > 1 ? [1] : []);
  });
});
