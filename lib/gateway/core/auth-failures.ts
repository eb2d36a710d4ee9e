// Failed authentications are limited per client address: 401s carry rate-limit headers, and key
// guessing slows down (each well-formed guess costs a database lookup).
import { Ratelimit } from "@upstash/ratelimit";
import type { Redis as UpstashRedis } from "@upstash/redis";
import { env } from "@/lib/env";
import { getLimitStore, rateHeaders, type RateInfo } from "@/lib/ratelimit";
import { redisPrefix } from "@/lib/ratelimit/store";
import { Refusal } from "./refusal";

type G = typeof globalThis & { __tollgateAuthLimiter?: { store: unknown; limit: number; limiter: Ratelimit } };
const g = globalThis as G;

/** The 401 as it goes out: with the limiter's headers, or as a 429 once the address is over it. */
export async function authFailure(ipHash: string | null, err: Refusal): Promise<{ err: Refusal; headers: Record<string, string> }> {
  const limit = env().AUTH_FAILURE_RPM;
  const fallback = { limit, remaining: limit, resetSeconds: Math.ceil(Date.now() / 60_000) * 60 };
  try {
    const store = await getLimitStore();
    if (!g.__tollgateAuthLimiter || g.__tollgateAuthLimiter.store !== store || g.__tollgateAuthLimiter.limit !== limit) {
      g.__tollgateAuthLimiter = {
        store,
        limit,
        limiter: new Ratelimit({ redis: store.redis as unknown as UpstashRedis, limiter: Ratelimit.slidingWindow(limit, "60 s"), prefix: `${redisPrefix()}:authfail`, timeout: 500, analytics: false }),
      };
    }
    const r = await g.__tollgateAuthLimiter.limiter.limit(ipHash ?? "unknown");
    const info: RateInfo = { limit, remaining: r.remaining, resetSeconds: Math.ceil(r.reset / 1000) || fallback.resetSeconds };
    if (!r.success) {
      const retryAfter = Math.max(1, info.resetSeconds - Math.floor(Date.now() / 1000));
      return {
        err: new Refusal("RATE_LIMITED", `Too many failed authentication attempts. Retry after ${retryAfter} s.`, { retryAfterSeconds: retryAfter }),
        headers: rateHeaders({ ...info, remaining: 0 }),
      };
    }
    return { err, headers: rateHeaders(info) };
  } catch {
    return { err, headers: rateHeaders(fallback) };
  }
}
