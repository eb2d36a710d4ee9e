// The failed-authentication limiter, per client address, consulted BEFORE the key is looked up
// in the database: a key guesser must not cost a query per guess. Every authentication attempt
// that would reach the database (a well-formed key not in the key cache) first takes one unit of
// the address's budget (AUTH_FAILURE_RPM per minute, sliding window); a lookup that finds a
// usable key gives it back (off the hot path), so only failures stay counted. Failures that never
// reach the database (missing, malformed or cached-unknown keys) are counted after the fact.
// An address over budget is refused with 429 without touching the database — and remembered in
// this process until its window resets, so a flood from it costs no Redis round trip either.
// Keys already in the cache never consult the limiter: authenticated traffic pays nothing.
import { Ratelimit } from "@upstash/ratelimit";
import type { Redis as UpstashRedis } from "@upstash/redis";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { storeFailed } from "./fail-mode";
import { getLimitStore, redisPrefix, type LimitStore } from "./store";

export interface AuthRateInfo {
  limit: number;
  remaining: number;
  /** Unix seconds when the window resets. */
  resetSeconds: number;
}

export function authFailuresPerMinute(): number {
  return env().AUTH_FAILURE_RPM;
}

type Limiter = { store: LimitStore; limit: number; limiter: Ratelimit };
// On globalThis: the route-handler bundle and a node:http adapter may load separate copies.
const g = globalThis as typeof globalThis & { __tollgateAuthGate?: { limiter?: Limiter; blocked: Map<string, number> } };
function state() {
  g.__tollgateAuthGate ??= { blocked: new Map() };
  return g.__tollgateAuthGate;
}

async function limiter(): Promise<Limiter> {
  const store = await getLimitStore();
  const limit = authFailuresPerMinute();
  const s = state();
  if (!s.limiter || s.limiter.store !== store || s.limiter.limit !== limit) {
    s.limiter = {
      store,
      limit,
      limiter: new Ratelimit({ redis: store.redis as unknown as UpstashRedis, limiter: Ratelimit.slidingWindow(limit, "60 s"), prefix: `${redisPrefix()}:authfail`, timeout: 500, analytics: false }),
    };
  }
  return s.limiter;
}

function rateLimited(info: AuthRateInfo): AppError {
  const retryAfter = Math.max(1, info.resetSeconds - Math.floor(Date.now() / 1000));
  return new AppError("RATE_LIMITED", `Too many failed authentication attempts. Retry after ${retryAfter} s.`, {
    retryAfterSeconds: retryAfter,
    headers: { "X-RateLimit-Limit": String(info.limit), "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": String(info.resetSeconds) },
  });
}

/** An address known (in this process) to be over budget: its reset time in ms, else null. */
function blockedUntil(address: string): number | null {
  const s = state();
  const until = s.blocked.get(address);
  if (until === undefined) return null;
  if (until <= Date.now()) {
    s.blocked.delete(address);
    return null;
  }
  return until;
}

function block(address: string, untilMs: number): void {
  const s = state();
  if (s.blocked.size >= 10_000) s.blocked.clear();
  s.blocked.set(address, untilMs);
}

/**
 * One authentication attempt from `address` (a hashed client address; null = unknown, which all
 * share one budget). Use: `gate()` right before the database lookup; `succeeded()` when the key
 * was usable; `failed()` for a 401, which returns the error to answer (the 401, or the 429 once
 * over budget) and the rate-limit headers.
 */
export class AuthAttempt {
  private counted = false;
  private info: AuthRateInfo | null = null;
  private readonly address: string;

  constructor(address: string | null) {
    this.address = address ?? "unknown";
  }

  private fallback(): AuthRateInfo {
    const limit = authFailuresPerMinute();
    return { limit, remaining: limit, resetSeconds: Math.ceil(Date.now() / 60_000) * 60 };
  }

  /** Takes one unit of budget; throws the 429 (or the fail-closed 503) instead of allowing a lookup. */
  async gate(): Promise<void> {
    const until = blockedUntil(this.address);
    if (until !== null) {
      this.counted = true;
      throw rateLimited({ limit: authFailuresPerMinute(), remaining: 0, resetSeconds: Math.ceil(until / 1000) });
    }
    let r: Awaited<ReturnType<Ratelimit["limit"]>>;
    let l: Limiter;
    try {
      l = await limiter();
      r = await l.limiter.limit(this.address);
    } catch (e) {
      storeFailed("failed-auth limiter unavailable", e); // throws in closed mode
      return;
    }
    this.counted = true;
    this.info = { limit: l.limit, remaining: r.remaining, resetSeconds: Math.ceil(r.reset / 1000) || this.fallback().resetSeconds };
    if (!r.success) {
      block(this.address, this.info.resetSeconds * 1000);
      throw rateLimited(this.info);
    }
  }

  /** The key was usable: give the unit back (a valid key is not a failure). Never waits. */
  succeeded(): void {
    if (!this.counted || !this.info) return;
    this.counted = false;
    void limiter()
      .then((l) => l.limiter.limit(this.address, { rate: -1 }))
      .catch(() => undefined);
  }

  /** A 401: counts it (unless the gate already did) and says what to answer. */
  async failed<E>(err: E): Promise<{ err: E | AppError; headers: Record<string, string> }> {
    if (!this.counted) {
      try {
        await this.gate();
      } catch (e) {
        if (e instanceof AppError) return { err: e, headers: e.headers ?? {} };
        throw e;
      }
    }
    const info = this.info ?? this.fallback();
    return { err, headers: { "X-RateLimit-Limit": String(info.limit), "X-RateLimit-Remaining": String(Math.max(0, info.remaining)), "X-RateLimit-Reset": String(info.resetSeconds) } };
  }
}
