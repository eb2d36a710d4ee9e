// The limiters against real Redis and against a Redis that is down: RATELIMIT_FAIL_MODE decides
// between serving (counted) and a 503 with Retry-After; the failed-auth gate refuses an address
// over budget before any lookup, and remembers it without asking Redis again.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AppError } from "../../lib/errors";
import { resetEnvCache } from "../../lib/env";
import { admit, resetLimitStore } from "../../lib/ratelimit";
import { AuthAttempt } from "../../lib/ratelimit/auth-gate";
import { limiterOutageStats } from "../../lib/ratelimit/fail-mode";
import { closeRedis } from "../../lib/redis";
import { testRedisPrefix } from "../helpers/db";

const REAL = process.env.REDIS_URL;
const input = (accountId: string) => ({ keyId: `key_${accountId}`, accountId, tier: "standard", customRpm: null, concurrencyLimit: 5, requestId: `req_${Math.random()}` });
const skipHealth = () => {
  (globalThis as { __tollgateLimiterHealth?: { skipUntil: number } }).__tollgateLimiterHealth = { skipUntil: 0 };
};

function useRedis(url: string | undefined, mode: "open" | "closed") {
  closeRedis();
  resetLimitStore();
  skipHealth();
  if (url) process.env.REDIS_URL = url;
  else delete process.env.REDIS_URL;
  process.env.RATELIMIT_FAIL_MODE = mode;
  process.env.RATELIMIT_TIMEOUT_MS = "300";
  resetEnvCache();
}

beforeEach(() => {
  process.env.TOLLGATE_REDIS_PREFIX = testRedisPrefix();
});
afterEach(() => {
  useRedis(REAL, "open");
  delete process.env.AUTH_FAILURE_RPM;
});

describe("RATELIMIT_FAIL_MODE", () => {
  it("open (default): admits while Redis is down and counts it", async () => {
    useRedis("redis://127.0.0.1:1", "open");
    const before = limiterOutageStats().failedOpen;
    const a = await admit(input("acct_open"));
    expect(a.limit).toBe(30);
    expect(limiterOutageStats().failedOpen).toBeGreaterThan(before);
  });

  it("closed: refuses with 503 and Retry-After while Redis is down, and keeps refusing", async () => {
    useRedis("redis://127.0.0.1:1", "closed");
    for (let i = 0; i < 2; i++) {
      const err = await admit(input("acct_closed")).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).status).toBe(503);
      expect((err as AppError).code).toBe("SERVICE_UNAVAILABLE");
      expect((err as AppError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    }
    expect(limiterOutageStats().failedClosed).toBeGreaterThanOrEqual(2);
  });

  it("closed with Redis up admits normally", async () => {
    useRedis(REAL, "closed");
    const a = await admit(input("acct_up"));
    expect(a.remaining).toBe(29);
    a.release();
  });
});

describe("failed-auth gate", () => {
  it("refuses an address over budget before a lookup, remembers it locally, and gives back units of valid keys", async () => {
    process.env.AUTH_FAILURE_RPM = "3";
    useRedis(REAL, "open");
    const addr = `addr-${Math.random()}`;
    // A valid key's lookup does not count against the budget.
    const ok = new AuthAttempt(addr);
    await ok.gate();
    ok.succeeded();
    await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 3; i++) {
      const a = new AuthAttempt(addr);
      await a.gate(); // the lookup may run
      const { err, headers } = await a.failed(new AppError("INVALID_API_KEY", "Invalid API key."));
      expect(err.status).toBe(401);
      expect(headers["X-RateLimit-Remaining"]).toBe(String(2 - i));
    }
    const over = await new AuthAttempt(addr).gate().then(() => null, (e: unknown) => e);
    expect((over as AppError).status).toBe(429);
    // Remembered in-process: refused even with the store gone, without failing open.
    useRedis("redis://127.0.0.1:1", "open");
    const before = limiterOutageStats().failedOpen;
    const again = await new AuthAttempt(addr).gate().then(() => null, (e: unknown) => e);
    expect((again as AppError).status).toBe(429);
    expect(limiterOutageStats().failedOpen).toBe(before);
    // Other addresses are unaffected (and, with the store down, fail open).
    await expect(new AuthAttempt(`other-${Math.random()}`).gate()).resolves.toBeUndefined();
  });

  it("failures that never reached a lookup (malformed keys) are counted too", async () => {
    process.env.AUTH_FAILURE_RPM = "2";
    useRedis(REAL, "open");
    const addr = `addr-${Math.random()}`;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await new AuthAttempt(addr).failed(new AppError("INVALID_API_KEY", "Invalid API key."))).err.status);
    expect(statuses).toEqual([401, 401, 429]);
  });
});
