// What the limiters do when their store (Redis / Upstash) cannot answer: RATELIMIT_FAIL_MODE.
// - open (default): serve the request without the limit, log (at most every 10 s) and count it.
//   Funds stay safe: holds in PostgreSQL, not the limiter, stop an account spending credits it
//   does not have.
// - closed: refuse with 503 and Retry-After — for operators who would rather stop than serve
//   unlimited traffic (the concurrency limit and failed-auth limit are off while open).
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { errFields, log } from "@/lib/log";
import { metrics } from "@/lib/metrics";

export type FailMode = "open" | "closed";

export interface LimiterOutageStats {
  /** Requests admitted without a limit check because the store failed (fail-open). */
  failedOpen: number;
  /** Requests refused with 503 because the store failed (fail-closed). */
  failedClosed: number;
}

// On globalThis: the route-handler bundle and a node:http adapter may load separate copies.
const g = globalThis as typeof globalThis & { __tollgateLimiterOutage?: LimiterOutageStats & { lastWarn: number } };
function stats(): LimiterOutageStats & { lastWarn: number } {
  g.__tollgateLimiterOutage ??= { failedOpen: 0, failedClosed: 0, lastWarn: 0 };
  return g.__tollgateLimiterOutage;
}

export function failMode(): FailMode {
  return env().RATELIMIT_FAIL_MODE;
}

/** Seconds a client is told to wait when the store is down and the mode is closed. */
export const STORE_DOWN_RETRY_SECONDS = 5;

/**
 * The store failed for one request (`what`: which check). Open: counts it and returns, so the
 * caller serves the request. Closed: counts it and throws the 503.
 */
export function storeFailed(what: string, e: unknown): void {
  const s = stats();
  const mode = failMode();
  if (mode === "closed") s.failedClosed++;
  else s.failedOpen++;
  metrics().rateLimitDegraded.inc({ mode });
  if (Date.now() - s.lastWarn >= 10_000) {
    s.lastWarn = Date.now();
    log("ratelimit").warn(errFields(e), `rate limiter ${what}; failing ${mode}`);
  }
  if (mode === "closed") {
    throw new AppError("SERVICE_UNAVAILABLE", "Rate limiting is temporarily unavailable, so requests are not being accepted. Retry shortly.", {
      retryAfterSeconds: STORE_DOWN_RETRY_SECONDS,
    });
  }
}

export function limiterOutageStats(): LimiterOutageStats {
  const { failedOpen, failedClosed } = stats();
  return { failedOpen, failedClosed };
}
