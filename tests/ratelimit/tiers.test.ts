// Admission by the tier table through the real scripts on Redis (REDIS_URL, else the in-process
// store): per-key concurrency for every tier, the account's limit on top, the UTC-day quota
// under a frozen clock, undo of a half-admitted request, and the quota headers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { admit, dayCounterKey, effectiveLimits, getLimitStore, rateHeaders, resetLimitStore, TIERS, type Admission } from "@/lib/ratelimit";
import { resetEnvCache } from "@/lib/env";
import { closeRedis, getRedis } from "@/lib/redis";
import { testRedisPrefix } from "../helpers/db";

let n = 0;
const uid = (p: string) => `${p}_${process.pid}_${Date.now().toString(36)}_${n++}`;

beforeAll(() => {
  process.env.TOLLGATE_REDIS_PREFIX = testRedisPrefix();
  resetEnvCache(); // the prefix is read through the cached, validated environment
  resetLimitStore();
});
afterAll(() => {
  closeRedis();
});

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof AppError)) throw new Error(`expected a refusal, got ${String(e)}`);
  return e;
}

describe("the tier table", () => {
  it("matches the API terms; a key's cap and staff overrides win over the tier", () => {
    expect(Object.fromEntries(Object.entries(TIERS).map(([k, t]) => [k, [t.perMinute, t.perDay, t.concurrency, Number(t.dailyCapMicros / 10_000n)]]))).toEqual({
      standard: [30, 500, 3, 200],
      enhanced: [60, 2_000, 5, 500],
      professional: [120, 10_000, 10, 1_500],
      enterprise: [300, 100_000, 50, 50_000],
    });
    expect(effectiveLimits({ tier: "enhanced" })).toMatchObject({ perMinute: 60, perDay: 2000, concurrency: 5, dailyCapMicros: 5_000_000n });
    expect(effectiveLimits({ tier: "enhanced", customRpm: 7, customRpd: 70, customConcurrency: 1, dailySpendCapMicros: 123n })).toMatchObject({
      perMinute: 7,
      perDay: 70,
      concurrency: 1,
      dailyCapMicros: 123n,
      custom: { perMinute: true, perDay: true, concurrency: true, dailyCap: true },
    });
    expect(effectiveLimits({ tier: "platinum" }).perMinute).toBe(30); // unknown → standard
  });

  it("quota headers: minute and day trios plus the IETF RateLimit-Policy and RateLimit of the tightest window", () => {
    const now = Date.UTC(2026, 4, 4, 23, 0, 0);
    const h = rateHeaders({ limit: 30, remaining: 12, resetSeconds: now / 1000 + 40, day: { limit: 500, remaining: 3, resetSeconds: now / 1000 + 3600 } }, now);
    expect(h).toEqual({
      "X-RateLimit-Limit": "30",
      "X-RateLimit-Remaining": "12",
      "X-RateLimit-Reset": String(now / 1000 + 40),
      "X-RateLimit-Limit-Day": "500",
      "X-RateLimit-Remaining-Day": "3",
      "X-RateLimit-Reset-Day": String(now / 1000 + 3600),
      "RateLimit-Policy": '"minute";q=30;w=60, "day";q=500;w=86400',
      RateLimit: '"day";r=3;t=3600',
    });
    expect(rateHeaders({ limit: 30, remaining: 2, resetSeconds: now / 1000 + 40, day: { limit: 500, remaining: 300, resetSeconds: now / 1000 + 3600 } }, now).RateLimit).toBe('"minute";r=2;t=40');
  });
});

describe("admission", () => {
  it("per-key concurrency of every tier: N in flight, the next one 429 CONCURRENCY_LIMITED; another key is separate", async () => {
    for (const [tier, t] of Object.entries(TIERS)) {
      const accountId = uid("acct");
      const base = { keyId: uid("key"), accountId, tier, customRpm: null, concurrencyLimit: 1000 };
      const held: Admission[] = [];
      for (let i = 0; i < t.concurrency; i++) held.push(await admit({ ...base, requestId: uid("req") }));
      const e = await refusal(admit({ ...base, requestId: uid("req") }));
      expect([tier, e.code, e.status]).toEqual([tier, "CONCURRENCY_LIMITED", 429]);
      expect(e.message).toContain(`limit ${t.concurrency}`);
      expect(e.message).toContain("this key");
      const other = await admit({ ...base, keyId: uid("key"), requestId: uid("req") });
      other.release();
      held.shift()!.release();
      // Released slots are free again (the release goes out asynchronously).
      let again: Admission | null = null;
      for (let i = 0; i < 50 && !again; i++) again = await admit({ ...base, requestId: uid("req") }).catch(() => null);
      expect(again).not.toBeNull();
      for (const a of [...held, again!]) a.release();
    }
  });

  it("the account's concurrency limit applies on top of the key's", async () => {
    const accountId = uid("acct");
    const a = await admit({ keyId: uid("key"), accountId, tier: "enterprise", customRpm: null, concurrencyLimit: 2, requestId: uid("req") });
    const b = await admit({ keyId: uid("key"), accountId, tier: "enterprise", customRpm: null, concurrencyLimit: 2, requestId: uid("req") });
    const e = await refusal(admit({ keyId: uid("key"), accountId, tier: "enterprise", customRpm: null, concurrencyLimit: 2, requestId: uid("req") }));
    expect(e.code).toBe("CONCURRENCY_LIMITED");
    expect(e.message).toContain("this account");
    a.release();
    b.release();
  });

  it("the day quota follows the UTC day (frozen clock): refused until midnight with Retry-After to it, then open again", async () => {
    const base = { keyId: uid("key"), accountId: uid("acct"), tier: "standard", customRpm: 1000, customRpd: 3, concurrencyLimit: 100 };
    const lateNight = Date.UTC(2026, 4, 4, 23, 59, 50);
    const remaining: number[] = [];
    for (let i = 0; i < 3; i++) {
      const a = await admit({ ...base, requestId: uid("req"), now: lateNight });
      remaining.push(a.day!.remaining);
      expect(a.day!.resetSeconds).toBe(Date.UTC(2026, 4, 5) / 1000);
      a.release();
    }
    expect(remaining).toEqual([2, 1, 0]);
    const e = await refusal(admit({ ...base, requestId: uid("req"), now: lateNight + 5_000 }));
    expect(e.code).toBe("RATE_LIMITED");
    expect(e.retryAfterSeconds).toBe(5); // 23:59:55 → midnight
    expect(e.headers).toMatchObject({ "X-RateLimit-Limit-Day": "3", "X-RateLimit-Remaining-Day": "0", "X-RateLimit-Reset-Day": String(Date.UTC(2026, 4, 5) / 1000) });
    expect(e.message).toContain("2026-05-05T00:00:00.000Z");
    const nextDay = await admit({ ...base, requestId: uid("req"), now: Date.UTC(2026, 4, 5, 0, 0, 1) });
    expect(nextDay.day).toMatchObject({ limit: 3, remaining: 2, resetSeconds: Date.UTC(2026, 4, 6) / 1000 });
    nextDay.release();
  });

  it("a request refused by the minute window does not spend the day quota", async () => {
    const base = { keyId: uid("key"), accountId: uid("acct"), tier: "standard", customRpm: 2, customRpd: 100, concurrencyLimit: 100 };
    const now = Date.now();
    for (let i = 0; i < 2; i++) (await admit({ ...base, requestId: uid("req"), now })).release();
    for (let i = 0; i < 3; i++) expect((await refusal(admit({ ...base, requestId: uid("req"), now }))).code).toBe("RATE_LIMITED");
    const store = await getLimitStore();
    if (store.kind === "upstash") return;
    const { client } = await getRedis();
    const key = dayCounterKey(base.accountId, base.keyId, new Date(now).toISOString().slice(0, 10));
    let used = "";
    for (let i = 0; i < 50 && used !== "2"; i++) {
      used = (await client.get(key)) ?? "";
      if (used !== "2") await new Promise((r) => setTimeout(r, 10));
    }
    expect(used).toBe("2");
  });
});
