// withApiKey: the wrapper every /api/v1 route (except /health) goes through. It assigns the
// request id, authenticates the key (one PostgreSQL query, briefly cached), admits the request
// (rate limit + concurrency in one Redis round trip), runs the handler, maps every failure to
// the documented error shape and puts the standard headers on every response.
import { createHmac } from "node:crypto";
import { Ratelimit } from "@upstash/ratelimit";
import type { Redis as UpstashRedis } from "@upstash/redis";
import { AppError, toAppError } from "@/lib/errors";
import { acceptRequestId } from "@/lib/ids";
import { authenticateApiKey, keyFromHeaders, type ApiKeyAuth } from "@/lib/keys/auth";
import { microsToUsdExact } from "@/lib/money";
import { admit, getLimitStore, rateHeaders, type Admission, type RateInfo } from "@/lib/ratelimit";
import { redisPrefix } from "@/lib/ratelimit/store";
import { errorResponse, type ApiFormat } from "./errors";

export type { ApiFormat } from "./errors";

export interface GatewayContext {
  req: Request;
  requestId: string;
  format: ApiFormat;
  key: ApiKeyAuth;
  /**
   * Resolves once the request is admitted (rate limit + concurrency); rejects with the 429.
   * Handlers registered with overlapAdmission() run while admission is still in flight and must
   * await this before any side effect (a hold, a log row); for all others it has resolved already.
   */
  admitted(): Promise<void>;
  /** performance.now() when the request arrived. */
  startedAt: number;
  clientIpHash: string | null;
  /** Reported in X-Credit-Balance-Usd; handlers update it after settling. */
  balanceMicros: bigint;
  /** Extra headers for the final response (e.g. X-Tollgate-Max-Tokens). */
  headers: Record<string, string>;
  /** Keep the concurrency slot until `done` settles (streams that outlive the handler). */
  holdSlotUntil(done: Promise<unknown>): void;
  /** Push the concurrency slot's expiry forward: the call is still running. */
  refreshSlot(): void;
}

export type GatewayHandler<P> = (ctx: GatewayContext, routeArg: P) => Promise<Response>;

// Handlers whose side-effect-free first part (reading and validating the body) runs in parallel
// with the admission round trip to Redis.
const overlapping = new WeakSet<object>();
export function overlapAdmission<H extends object>(handler: H): H {
  overlapping.add(handler);
  return handler;
}

export interface WithApiKeyOptions {
  /** Error/body dialect; a function picks it per request (GET /models serves both SDKs). */
  format?: ApiFormat | ((req: Request) => ApiFormat);
}

/**
 * The client's address. X-Forwarded-For is a list every proxy appends to, so only entries added
 * by our own proxies can be trusted — anything further left may be written by the client (a key
 * guesser would rotate it to dodge the failed-auth limit). TRUSTED_PROXY_HOPS (default 1: one
 * load balancer, or Next.js itself, which fills the header from the socket when it is absent)
 * says how many entries from the right are ours; the leftmost of those is the client.
 */
export function clientIp(headers: Headers): string | null {
  const xff = headers.get("x-forwarded-for");
  if (xff) {
    const hops = xff.split(",").map((s) => s.trim()).filter(Boolean);
    const trusted = Math.max(1, Math.floor(Number(process.env.TRUSTED_PROXY_HOPS) || 1));
    return hops.length ? hops[Math.max(0, hops.length - trusted)] : null;
  }
  return headers.get("x-real-ip")?.trim() || null;
}

/** Keyed hash, so the log can group by client without storing (or reversing to) an address. */
export function hashClientIp(ip: string | null): string | null {
  if (!ip) return null;
  const secret = process.env.AUTH_SECRET || "tollgate-ip-hash";
  // Busy clients send many requests from one address: an HMAC per request is measurable CPU.
  const cacheKey = `${secret}\u0000${ip}`;
  let hashed = ipHashes.get(cacheKey);
  if (hashed === undefined) {
    hashed = createHmac("sha256", secret).update(ip).digest("hex").slice(0, 32);
    if (ipHashes.size >= 10_000) ipHashes.clear();
    ipHashes.set(cacheKey, hashed);
  }
  return hashed;
}
const ipHashes = new Map<string, string>();

// Failed authentications are limited per client address, which both answers with rate-limit
// headers on 401s and slows key guessing (each well-formed guess costs a database lookup).
const AUTH_FAILURES_PER_MINUTE = () => Number(process.env.AUTH_FAILURE_RPM ?? 120);
type G = typeof globalThis & { __tollgateAuthLimiter?: { store: unknown; limiter: Ratelimit } };
const g = globalThis as G;

async function authFailureHeaders(ipHash: string | null, err: AppError): Promise<{ err: AppError; headers: Record<string, string> }> {
  const limit = AUTH_FAILURES_PER_MINUTE();
  const fallback = { limit, remaining: limit, resetSeconds: Math.ceil(Date.now() / 60_000) * 60 };
  try {
    const store = await getLimitStore();
    if (!g.__tollgateAuthLimiter || g.__tollgateAuthLimiter.store !== store) {
      g.__tollgateAuthLimiter = {
        store,
        limiter: new Ratelimit({ redis: store.redis as unknown as UpstashRedis, limiter: Ratelimit.slidingWindow(limit, "60 s"), prefix: `${redisPrefix()}:authfail`, timeout: 500, analytics: false }),
      };
    }
    const r = await g.__tollgateAuthLimiter.limiter.limit(ipHash ?? "unknown");
    const info: RateInfo = { limit, remaining: r.remaining, resetSeconds: Math.ceil(r.reset / 1000) || fallback.resetSeconds };
    if (!r.success) {
      const retryAfter = Math.max(1, info.resetSeconds - Math.floor(Date.now() / 1000));
      return {
        err: new AppError("RATE_LIMITED", `Too many failed authentication attempts. Retry after ${retryAfter} s.`, { retryAfterSeconds: retryAfter }),
        headers: rateHeaders({ ...info, remaining: 0 }),
      };
    }
    return { err, headers: rateHeaders(info) };
  } catch {
    return { err, headers: rateHeaders(fallback) };
  }
}

function creditHeaders(ctx: GatewayContext): Record<string, string> {
  const h: Record<string, string> = { "X-Credit-Balance-Usd": microsToUsdExact(ctx.balanceMicros) };
  if (ctx.key.creditsExpiringSoon) h["X-Credit-Expiring-Soon"] = "true";
  return h;
}

function applyHeaders(res: Response, headers: Record<string, string>): Response {
  try {
    for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
    return res;
  } catch {
    // Immutable headers (a fetched Response): copy into a new one.
    const h = new Headers(res.headers);
    for (const [k, v] of Object.entries(headers)) h.set(k, v);
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers: h });
  }
}

export function withApiKey<P = unknown>(handler: GatewayHandler<P>, opts: WithApiKeyOptions = {}): (req: Request, routeArg: P) => Promise<Response> {
  return async (req: Request, routeArg: P): Promise<Response> => {
    const format = typeof opts.format === "function" ? opts.format(req) : (opts.format ?? "openai");
    const startedAt = performance.now();
    const requestId = acceptRequestId(req.headers.get("x-request-id"));
    const clientIpHash = hashClientIp(clientIp(req.headers));

    let key: ApiKeyAuth;
    try {
      key = await authenticateApiKey(keyFromHeaders(req.headers));
    } catch (e) {
      const err = toAppError(e);
      if (err.status !== 401) return errorResponse(err, requestId, format);
      const { err: final, headers } = await authFailureHeaders(clientIpHash, err);
      return errorResponse(final, requestId, format, headers);
    }

    const creditOnly = () => ({ "X-Credit-Balance-Usd": microsToUsdExact(key.balanceMicros), ...(key.creditsExpiringSoon ? { "X-Credit-Expiring-Soon": "true" } : {}) });
    const admission$ = admit({ ...key, requestId });
    admission$.catch(() => undefined); // awaited below; may reject while the handler still runs
    const admitted$ = admission$.then(() => undefined);
    admitted$.catch(() => undefined);
    const overlap = overlapping.has(handler);
    let admission: Admission | null = null;
    if (!overlap) {
      try {
        admission = await admission$;
      } catch (e) {
        return errorResponse(e, requestId, format, creditOnly());
      }
    }

    let slotUntil: Promise<unknown> | null = null;
    const ctx: GatewayContext = {
      req,
      requestId,
      format,
      key,
      admitted: () => admitted$,
      startedAt,
      clientIpHash,
      balanceMicros: key.balanceMicros,
      headers: {},
      holdSlotUntil(done) {
        slotUntil = done;
      },
      refreshSlot() {
        admission$.then((a) => a.refresh(), () => undefined);
      },
    };
    let res: Response;
    try {
      res = await handler(ctx, routeArg);
    } catch (e) {
      res = errorResponse(e, requestId, format, ctx.headers);
    }
    if (!admission) {
      // Overlapped: a refused admission wins over whatever the handler made of the request (it
      // awaited admitted() before any side effect, so it did nothing).
      try {
        admission = await admission$;
      } catch (e) {
        return errorResponse(e, requestId, format, creditOnly());
      }
    }
    const release = admission.release;
    if (slotUntil) (slotUntil as Promise<unknown>).then(release, release);
    else release();
    return applyHeaders(res, { ...ctx.headers, ...rateHeaders(admission), ...creditHeaders(ctx), "X-Request-Id": requestId });
  };
}
