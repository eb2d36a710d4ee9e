// Admission control for /api/v1: the per-key sliding-window RPM limit (@upstash/ratelimit) and
// the per-account concurrency limit (our own Lua script), in ONE Redis round trip: both scripts
// are dispatched in the same tick, and auto-pipelining (ioredis; @upstash/redis over REST) sends
// them in a single write/HTTP request. If only one of them passes we undo it off the hot path.
// Redis trouble fails open (logged, counted) or closed (503), per RATELIMIT_FAIL_MODE (fail-mode.ts):
// prepaid holds, not the limiter, protect the money.
import { Ratelimit } from "@upstash/ratelimit";
import type { Redis as UpstashRedis } from "@upstash/redis";
import { AppError } from "@/lib/errors";
import { Script } from "./adapter";
import { storeFailed } from "./fail-mode";
import { getLimitStore, redisPrefix, type LimitStore } from "./store";
import { rpmFor, TIER_RPM } from "./tiers";
import { metrics } from "@/lib/metrics";

export { rpmFor, TIER_RPM };
export { getLimitStore, resetLimitStore } from "./store";

const WINDOW = "60 s";

// Members are request ids scored by their own expiry, so a crashed instance's slots free
// themselves; the key's TTL covers the whole set.
const ACQUIRE = new Script(`local key = KEYS[1]
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local ttl = tonumber(ARGV[3])
redis.call("ZREMRANGEBYSCORE", key, "-inf", now)
local n = redis.call("ZCARD", key)
if n >= limit then
  return {0, n}
end
redis.call("ZADD", key, now + ttl, ARGV[4])
redis.call("PEXPIRE", key, ttl)
return {1, n + 1}`);

// Keeps a live call's slot: a new expiry for the member, only if it is still there.
const REFRESH = new Script(`if redis.call("ZSCORE", KEYS[1], ARGV[2]) then
  redis.call("ZADD", KEYS[1], "XX", ARGV[1], ARGV[2])
  redis.call("PEXPIRE", KEYS[1], ARGV[3])
  return 1
end
return 0`);

export interface RateInfo {
  limit: number;
  remaining: number;
  /** Unix seconds when the current window ends. */
  resetSeconds: number;
}

export interface Admission extends RateInfo {
  /** Frees the concurrency slot; idempotent, never throws. */
  release(): void;
  /** Pushes the slot's expiry forward (a call still running); never throws. */
  refresh(): void;
}

export function admissionTimeoutMs(): number {
  return Number(process.env.RATELIMIT_TIMEOUT_MS ?? 1000);
}

/**
 * How long a slot outlives its instance: a crashed instance's calls stop counting against the
 * account's concurrency after this. Running calls refresh their slots (gateway/hold-keepalive.ts).
 */
export function concurrencyTtlMs(): number {
  return Number(process.env.CONCURRENCY_TTL_MS ?? 120_000);
}

type G = typeof globalThis & { __tollgateLimiters?: { store: LimitStore; byRpm: Map<number, Ratelimit> } };
const g = globalThis as G;

function limiterFor(store: LimitStore, rpm: number): Ratelimit {
  if (!g.__tollgateLimiters || g.__tollgateLimiters.store !== store) g.__tollgateLimiters = { store, byRpm: new Map() };
  let limiter = g.__tollgateLimiters.byRpm.get(rpm);
  if (!limiter) {
    // One limiter per RPM value (tiers can change per key at any time); all share the key
    // space, so switching tiers keeps the requests already counted in the window.
    limiter = new Ratelimit({
      redis: store.redis as unknown as UpstashRedis,
      limiter: Ratelimit.slidingWindow(rpm, WINDOW),
      prefix: `${redisPrefix()}:rl`,
      timeout: 0, // we race our own timeout below, shared with the concurrency script
      analytics: false,
    });
    g.__tollgateLimiters.byRpm.set(rpm, limiter);
  }
  return limiter;
}

// After a Redis failure, admit without asking Redis for a few seconds: an outage must not add
// the admission timeout to every request.
type Health = { skipUntil: number };
const gh = globalThis as typeof globalThis & { __tollgateLimiterHealth?: Health };
function health(): Health {
  gh.__tollgateLimiterHealth ??= { skipUntil: 0 };
  return gh.__tollgateLimiterHealth;
}

/** A store failure: skip the store for a few seconds; open mode goes on, closed mode throws the 503. */
function warn(what: string, e: unknown): void {
  health().skipUntil = Date.now() + 5_000;
  metrics().rateLimitStoreFailures.inc();
  storeFailed(what, e);
}

/** A failed slot refresh or release is not a request being admitted: log it, never throw. */
function warnQuietly(what: string, e: unknown): void {
  try {
    warn(what, e);
  } catch {
    // closed mode refuses new requests; a running call keeps going
  }
}

/** Both outcomes, each cut off after `ms` — one timer for the pair (this runs per request). */
function bothWithin<A, B>(a: Promise<A>, b: Promise<B>, ms: number): Promise<[PromiseSettledResult<A>, PromiseSettledResult<B>]> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  t.catch(() => undefined);
  return Promise.allSettled([Promise.race([a, t]), Promise.race([b, t])]).finally(() => clearTimeout(timer));
}

export function rateHeaders(info: RateInfo): Record<string, string> {
  return {
    "X-RateLimit-Limit": String(info.limit),
    "X-RateLimit-Remaining": String(Math.max(0, info.remaining)),
    "X-RateLimit-Reset": String(info.resetSeconds),
  };
}

export interface AdmitInput {
  keyId: string;
  accountId: string;
  tier: string;
  customRpm: number | null;
  concurrencyLimit: number;
  requestId: string;
}

/** Admits one request or throws RATE_LIMITED / CONCURRENCY_LIMITED (429 with Retry-After). */
export async function admit(input: AdmitInput): Promise<Admission> {
  const rpm = rpmFor(input.tier, input.customRpm);
  const failOpen = (): Admission => ({ limit: rpm, remaining: rpm, resetSeconds: (Math.floor(Date.now() / 60_000) + 1) * 60, release: () => undefined, refresh: () => undefined });
  if (Date.now() < health().skipUntil) {
    storeFailed("skipped after a recent failure", new Error("store unavailable"));
    return failOpen();
  }
  let store: LimitStore;
  try {
    store = await getLimitStore();
  } catch (e) {
    warn("store unavailable", e);
    return failOpen();
  }
  const limiter = limiterFor(store, rpm);
  const ccKey = `${redisPrefix()}:cc:${input.accountId}`;
  const now = Date.now();
  const ttl = concurrencyTtlMs();

  // Same tick → same pipeline. Do not put an await between these two lines.
  const rlPromise = limiter.limit(input.keyId);
  const ccPromise = ACQUIRE.run(store.redis, [ccKey], [now, input.concurrencyLimit, ttl, input.requestId]);
  const ms = admissionTimeoutMs();
  const [rl, cc] = await bothWithin(rlPromise, ccPromise, ms);

  const windowEndSeconds = Math.ceil((Math.floor(now / 60_000) + 1) * 60);
  let info: RateInfo = { limit: rpm, remaining: rpm - 1, resetSeconds: windowEndSeconds };
  let rateOk = true;
  const failures: [string, unknown][] = [];
  if (rl.status === "fulfilled") {
    info = { limit: rpm, remaining: rl.value.remaining, resetSeconds: Math.ceil(rl.value.reset / 1000) || windowEndSeconds };
    rateOk = rl.value.success;
  } else failures.push(["unavailable", rl.reason]);

  let slotHeld = false;
  let concurrencyOk = true;
  let inFlight = 0;
  if (cc.status === "fulfilled") {
    const [ok, n] = cc.value as [number, number];
    slotHeld = Number(ok) === 1;
    concurrencyOk = slotHeld;
    inFlight = Number(n);
  } else failures.push(["concurrency store unavailable", cc.reason]);

  let released = false;
  const release = () => {
    if (released || !slotHeld) return;
    released = true;
    store.redis.zrem(ccKey, input.requestId).catch((e: unknown) => warnQuietly("release failed", e));
  };

  const refresh = () => {
    if (released || !slotHeld) return;
    REFRESH.run(store.redis, [ccKey], [Date.now() + ttl, input.requestId, ttl]).catch((e: unknown) => warnQuietly("slot refresh failed", e));
  };

  for (const [what, e] of failures) {
    try {
      warn(what, e);
    } catch (closed) {
      release(); // fail-closed: give back a slot the other script did take
      throw closed;
    }
  }

  if (!rateOk) {
    release();
    const retryAfter = Math.max(1, info.resetSeconds - Math.floor(Date.now() / 1000));
    throw new AppError("RATE_LIMITED", `Rate limit of ${rpm} requests per minute exceeded for this key. Retry after ${retryAfter} s.`, {
      retryAfterSeconds: retryAfter,
      headers: rateHeaders({ ...info, remaining: 0 }),
    });
  }
  if (!concurrencyOk) {
    // Give the request back to the window: a request refused for concurrency was not served.
    limiter.limit(input.keyId, { rate: -1 }).catch(() => undefined);
    throw new AppError("CONCURRENCY_LIMITED", `Too many concurrent requests for this account (${inFlight} in flight, limit ${input.concurrencyLimit}).`, {
      retryAfterSeconds: 1,
      headers: rateHeaders({ ...info, remaining: info.remaining + 1 }),
    });
  }
  return { ...info, release, refresh };
}
