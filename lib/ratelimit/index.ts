// Admission control for /api/v1, per key from its tier (tiers.ts): the sliding-window minute
// limit (@upstash/ratelimit), and in one script of our own the UTC-day quota, the key's
// concurrency and the account's concurrency. Both scripts are dispatched in the same tick, so
// auto-pipelining (ioredis; @upstash/redis over REST) sends them in a single write/HTTP request:
// one Redis round trip per request. If only one side admits, it is undone off the hot path.
// Redis trouble fails open (logged, counted) or closed (503), per RATELIMIT_FAIL_MODE (fail-mode.ts):
// prepaid holds, not the limiter, protect the money.
import { Ratelimit } from "@upstash/ratelimit";
import type { Redis as UpstashRedis } from "@upstash/redis";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { nextUtcMidnightSeconds, rateHeaders, utcDay, type RateInfo, type WindowInfo } from "./headers";
import { storeFailed } from "./fail-mode";
import { ADD_TO_COUNTER, ADMIT, CARRY_DAY, concurrencyKey, dayCounterKey, keyConcurrencyKey, minuteCounterKey, READ_COUNTER, REFRESH, RELEASE, UNDO } from "./scripts";
import { getLimitStore, redisPrefix, type LimitStore } from "./store";
import { effectiveLimits, rpmFor, TIER_RPM, TIERS, tierLimits } from "./tiers";
import { metrics } from "@/lib/metrics";
import { errFields, log } from "@/lib/log";

export { effectiveLimits, rpmFor, TIER_RPM, TIERS, tierLimits };
export { rateHeaders, nextUtcMidnightSeconds, type RateInfo, type WindowInfo } from "./headers";
export { concurrencyKey, dayCounterKey, keyConcurrencyKey } from "./scripts";
export { getLimitStore, resetLimitStore } from "./store";

const WINDOW = "60 s";
const WINDOW_MS = 60_000;
// The day counter outlives its day a little (clock skew between instances), then goes.
const DAY_COUNTER_TTL_SECONDS = 2 * 86_400;

export interface Admission extends RateInfo {
  /** Frees the concurrency slots; idempotent, never throws. */
  release(): void;
  /** Pushes the slots' expiry forward (a call still running); never throws. */
  refresh(): void;
}

export function admissionTimeoutMs(): number {
  return env().RATELIMIT_TIMEOUT_MS;
}

/**
 * How long a slot outlives its instance: a crashed instance's calls stop counting against the
 * concurrency limits after this. Running calls refresh their slots (gateway/reservation.ts).
 */
export function concurrencyTtlMs(): number {
  return env().CONCURRENCY_TTL_MS;
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
      timeout: 0, // we race our own timeout below, shared with the admission script
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

/** A failed slot refresh, release or undo is not a request being admitted: log it, never throw. */
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

export interface AdmitInput {
  keyId: string;
  accountId: string;
  tier: string;
  /** Staff-negotiated overrides of the tier (null: the tier's). */
  customRpm: number | null;
  customRpd?: number | null;
  customConcurrency?: number | null;
  /** The account's own concurrency limit, applied on top of the key's. */
  concurrencyLimit: number;
  requestId: string;
  /** The clock (ms) for the day window and slot expiries; tests freeze it. */
  now?: number;
}

/**
 * Admits one request or throws: RATE_LIMITED (minute window, or the day quota with Retry-After
 * at the next UTC midnight) or CONCURRENCY_LIMITED (the key's or the account's), both 429.
 */
export async function admit(input: AdmitInput): Promise<Admission> {
  const limits = effectiveLimits(input);
  const rpm = limits.perMinute;
  const now = input.now ?? Date.now();
  const minuteEnd = (Math.floor(now / 60_000) + 1) * 60;
  const dayEnd = nextUtcMidnightSeconds(now);
  const failOpen = (): Admission => ({
    limit: rpm,
    remaining: rpm,
    resetSeconds: minuteEnd,
    day: { limit: limits.perDay, remaining: limits.perDay, resetSeconds: dayEnd },
    release: () => undefined,
    refresh: () => undefined,
  });
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
  const keys = [dayCounterKey(input.accountId, input.keyId, utcDay(now)), keyConcurrencyKey(input.accountId, input.keyId), concurrencyKey(input.accountId)];
  const slotKeys = keys.slice(1);
  const ttl = concurrencyTtlMs();

  // Same tick → same pipeline. Do not put an await between these two lines.
  const rlPromise = limiter.limit(input.keyId);
  const admitPromise = ADMIT.run(store.redis, keys, [now, limits.perDay, limits.concurrency, input.concurrencyLimit, ttl, input.requestId, DAY_COUNTER_TTL_SECONDS]);
  const [rl, ad] = await bothWithin(rlPromise, admitPromise, admissionTimeoutMs());

  let minute: WindowInfo = { limit: rpm, remaining: rpm - 1, resetSeconds: minuteEnd };
  let minuteOk = true;
  const failures: [string, unknown][] = [];
  if (rl.status === "fulfilled") {
    minute = { limit: rpm, remaining: rl.value.remaining, resetSeconds: Math.ceil(rl.value.reset / 1000) || minuteEnd };
    minuteOk = rl.value.success;
  } else failures.push(["unavailable", rl.reason]);

  let verdict = 0;
  let usedToday = 0;
  let keyInFlight = 0;
  let accountInFlight = 0;
  if (ad.status === "fulfilled") {
    [verdict, usedToday, keyInFlight, accountInFlight] = (ad.value as unknown[]).map(Number);
  } else failures.push(["admission script unavailable", ad.reason]);
  const counted = ad.status === "fulfilled" && verdict === 0;
  const day: WindowInfo = { limit: limits.perDay, remaining: limits.perDay - usedToday, resetSeconds: dayEnd };
  const info: RateInfo = { ...minute, day };

  let released = false;
  const release = () => {
    if (released || !counted) return;
    released = true;
    RELEASE.run(store.redis, slotKeys, [input.requestId]).catch((e: unknown) => warnQuietly("release failed", e));
  };
  const refresh = () => {
    if (released || !counted) return;
    REFRESH.run(store.redis, slotKeys, [Date.now() + ttl, input.requestId, ttl]).catch((e: unknown) => warnQuietly("slot refresh failed", e));
  };

  for (const [what, e] of failures) {
    try {
      warn(what, e);
    } catch (closed) {
      // fail-closed: give back what the other script did take
      if (counted) {
        released = true;
        UNDO.run(store.redis, keys, [input.requestId]).catch(() => undefined);
      }
      throw closed;
    }
  }

  if (verdict === 1) {
    if (minuteOk && rl.status === "fulfilled") limiter.limit(input.keyId, { rate: -1 }).catch(() => undefined);
    const retryAfter = Math.max(1, dayEnd - Math.floor(now / 1000));
    throw new AppError("RATE_LIMITED", `Daily quota of ${limits.perDay} requests exceeded for this key. It resets at ${new Date(dayEnd * 1000).toISOString()} (UTC midnight).`, {
      retryAfterSeconds: retryAfter,
      headers: rateHeaders({ ...info, day: { ...day, remaining: 0 } }, now),
    });
  }
  if (!minuteOk) {
    if (counted) {
      released = true;
      UNDO.run(store.redis, keys, [input.requestId]).catch((e: unknown) => warnQuietly("undo failed", e));
    }
    const retryAfter = Math.max(1, minute.resetSeconds - Math.floor(now / 1000));
    throw new AppError("RATE_LIMITED", `Rate limit of ${rpm} requests per minute exceeded for this key. Retry after ${retryAfter} s.`, {
      retryAfterSeconds: retryAfter,
      headers: rateHeaders({ ...info, remaining: 0, day: counted ? { ...day, remaining: day.remaining + 1 } : day }, now),
    });
  }
  if (verdict === 2 || verdict === 3) {
    // Give the request back to the minute window: a request refused for concurrency was not served.
    limiter.limit(input.keyId, { rate: -1 }).catch(() => undefined);
    const message =
      verdict === 2
        ? `Too many concurrent requests for this key (${keyInFlight} in flight, limit ${limits.concurrency}).`
        : `Too many concurrent requests for this account (${accountInFlight} in flight, limit ${input.concurrencyLimit}).`;
    throw new AppError("CONCURRENCY_LIMITED", message, { retryAfterSeconds: 1, headers: rateHeaders({ ...info, remaining: minute.remaining + 1 }, now) });
  }
  return { ...info, release, refresh };
}

/**
 * Rotation: the new key starts where the old one stands — the UTC day's request count and the
 * minute window's (current and previous minute) — so rotating a key buys neither a fresh day
 * quota nor a fresh minute. Best effort: with the store down the new key starts from zero (logged).
 */
export async function carryRateLimits(accountId: string, fromKeyId: string, toKeyId: string, now = Date.now()): Promise<void> {
  const day = utcDay(now);
  const minute = Math.floor(now / WINDOW_MS);
  try {
    const store = await getLimitStore();
    const carryMinute = async (m: number) => {
      const n = Number(await READ_COUNTER.run(store.redis, [minuteCounterKey(fromKeyId, m)], []));
      // The same expiry the limiter gives a counter when it creates it (two windows + 1 s).
      if (n > 0) await ADD_TO_COUNTER.run(store.redis, [minuteCounterKey(toKeyId, m)], [n, WINDOW_MS * 2 + 1000]);
    };
    await Promise.all([
      CARRY_DAY.run(store.redis, [dayCounterKey(accountId, fromKeyId, day), dayCounterKey(accountId, toKeyId, day)], [DAY_COUNTER_TTL_SECONDS]),
      carryMinute(minute),
      carryMinute(minute - 1),
    ]);
  } catch (e) {
    log("ratelimit").warn({ ...errFields(e), accountId, keyId: toKeyId }, "rate-limit store unreachable: the rotated key's quotas start from zero");
  }
}
