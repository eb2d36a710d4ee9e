// The gateway core: one pipeline for every /api/v1 request, whatever the transport. In order:
// request id → route → key (format check, then one cached lookup) → admission (rate limit +
// concurrency slot in one Redis round trip; model calls validate their body meanwhile) → the
// route's handler → error mapping and the standard headers. Seams for other concerns:
//   - `observer` (and addGatewayObserver): stages, responses, upstream calls, bookings — logs,
//     metrics and traces plug in here (observer.ts);
//   - `admit`: the admission step (lib/ratelimit's admit by default);
//   - observer.responseHeaders: headers added to every authenticated response.
import { newId } from "@/lib/ids";
import { authenticateApiKey, keyFromHeaders, type ApiKeyAuth } from "@/lib/keys/auth";
import { microsToUsdExact } from "@/lib/money";
import { admit as defaultAdmit, rateHeaders, type Admission, type AdmitInput } from "@/lib/ratelimit";
import { AuthAttempt } from "@/lib/ratelimit/auth-gate";
import { recordUsageEvent } from "@/lib/usage/events";
import { clientRequestIdFrom } from "../guard/client-request-id";
import { errorResult, type ApiFormat } from "../errors";
import { noteRefusedAdmission } from "./admission-hint";
import { clientIp, hashClientIp, type GatewayContext, type GatewayHandler } from "./context";
import { combinedObserver, type GatewayObserver } from "./observer";
import { asRefusal, Refusal } from "./refusal";
import { header, type GatewayRequest, type GatewayResponse } from "./types";

export const API_PREFIX = "/api/v1";

export interface Route {
  /** Name used in logs and metrics, and as the request log's endpoint for model calls. */
  name: string;
  method: "GET" | "POST";
  /** Matched against the path below /api/v1; capture groups become `params` (in `paramNames` order). */
  pattern: RegExp;
  paramNames?: string[];
  /** Error/body dialect; a function picks it per request (GET /models serves both SDKs). */
  format: ApiFormat | ((req: GatewayRequest) => ApiFormat);
  /** Runs while admission is in flight (body reading and validation); must await ctx.admitted() before side effects. */
  overlapAdmission?: boolean;
  /** No API key (health). */
  public?: (req: GatewayRequest, requestId: string) => Promise<GatewayResponse>;
  handler?: GatewayHandler;
}

export interface GatewayOptions {
  routes: Route[];
  observer?: GatewayObserver;
  /** The admission step; throws a 429 AppError/Refusal to refuse. */
  admit?: (input: AdmitInput) => Promise<Admission>;
}

export interface Gateway {
  handle(req: GatewayRequest): Promise<GatewayResponse>;
}

function splitPath(path: string): { pathname: string; query: URLSearchParams } {
  const q = path.indexOf("?");
  return q < 0 ? { pathname: path, query: new URLSearchParams() } : { pathname: path.slice(0, q), query: new URLSearchParams(path.slice(q + 1)) };
}

const decoder = new TextDecoder();
/** The error code of an error answer (its body's flat `code`), for the usage event. */
function errorCodeOf(res: GatewayResponse): string | null {
  if (!(res.body instanceof Uint8Array) || res.body.byteLength > 16_384) return null;
  try {
    const code = (JSON.parse(decoder.decode(res.body)) as { code?: unknown }).code;
    return typeof code === "string" ? code.slice(0, 64) : null;
  } catch {
    return null;
  }
}

function creditHeaders(balanceMicros: bigint, key: ApiKeyAuth): Record<string, string> {
  const h: Record<string, string> = { "X-Credit-Balance-Usd": microsToUsdExact(balanceMicros) };
  if (key.creditsExpiringSoon) h["X-Credit-Expiring-Soon"] = "true";
  return h;
}

export function createGateway(opts: GatewayOptions): Gateway {
  const observer = combinedObserver(opts.observer);
  const admit = opts.admit ?? defaultAdmit;

  function unknownEndpoint(req: GatewayRequest, pathname: string, requestId: string, allow: string[]): GatewayResponse {
    const format: ApiFormat = pathname.endsWith("/messages") || header(req.headers, "anthropic-version") !== null ? "anthropic" : "openai";
    if (allow.length) {
      return errorResult(new Refusal("METHOD_NOT_ALLOWED", `${req.method} is not supported on ${pathname}; use ${allow.join(" or ")}.`, { headers: { Allow: allow.join(", ") } }), requestId, format);
    }
    return errorResult(new Refusal("NOT_FOUND", `Unknown endpoint ${req.method} ${pathname}.`), requestId, format);
  }

  async function handle(req: GatewayRequest): Promise<GatewayResponse> {
    const startedAt = performance.now();
    const createdAt = new Date();
    // Always ours: the client's own id (X-Client-Request-Id, or an X-Request-Id it sent) is kept
    // as the account-scoped client_request_id, never a key for rows, holds or slots.
    const requestId = newId("request");
    const { pathname, query } = splitPath(req.path);
    const sub = pathname.startsWith(API_PREFIX) ? pathname.slice(API_PREFIX.length) : pathname;
    const method = req.method === "HEAD" ? "GET" : req.method;
    let route: Route | undefined;
    let m: RegExpExecArray | null = null;
    const allow: string[] = [];
    for (const r of opts.routes) {
      const hit = r.pattern.exec(sub);
      if (!hit) continue;
      if (r.method === method) {
        route = r;
        m = hit;
        break;
      }
      allow.push(r.method);
    }
    if (!route || !m) return unknownEndpoint(req, pathname, requestId, allow);
    if (route.public) return route.public(req, requestId);

    const format = typeof route.format === "function" ? route.format(req) : route.format;
    const clientIpHash = hashClientIp(clientIp(req.headers, req.clientAddress));
    const routeName = route.name;
    let clientRequestId: string | null = null;
    let clientIdError: unknown = null;
    try {
      clientRequestId = clientRequestIdFrom((name) => header(req.headers, name));
    } catch (e) {
      clientIdError = e;
    }
    // Every authenticated request is a usage event (lib/usage/events.ts, batched off this path)
    // unless its call booked its own row with its settlement (`logged`). Unknown keys are not
    // stored per account: the failed-auth limiter counts them per client address.
    let ctx: GatewayContext | null = null;
    const respond = (res: GatewayResponse, key: ApiKeyAuth | null, model: string | null, stream = false): GatewayResponse => {
      const durationMs = performance.now() - startedAt;
      observer.response({ requestId, route: routeName, method: req.method, status: res.status, model, accountId: key?.accountId ?? null, stream, durationMs });
      if (clientRequestId) res.headers = { ...res.headers, "X-Client-Request-Id": clientRequestId };
      if (key && !ctx?.logged) {
        recordUsageEvent({
          id: requestId,
          accountId: key.accountId,
          keyId: key.keyId,
          method: req.method,
          path: pathname,
          endpoint: routeName,
          model: model ?? ctx?.requestedModel ?? null,
          stream,
          statusCode: res.status,
          errorCode: res.status >= 400 ? errorCodeOf(res) : null,
          latencyMs: Math.round(durationMs),
          clientRequestId,
          clientIpHash,
          byok: false,
          createdAt,
        });
      }
      return res;
    };

    let key: ApiKeyAuth;
    // The failed-auth limiter runs before the key's database lookup (auth-gate.ts).
    const attempt = new AuthAttempt(clientIpHash);
    try {
      key = await observer.stage("auth", { requestId, route: routeName }, () => authenticateApiKey(keyFromHeaders(req.headers), undefined, () => attempt.gate()));
      attempt.succeeded();
    } catch (e) {
      let err: Refusal;
      try {
        err = asRefusal(e);
      } catch (internal) {
        return respond(errorResult(internal, requestId, format, {}, (x) => observer.internalError(requestId, x)), null, null);
      }
      if (err.code !== "INVALID_API_KEY" && err.code !== "KEY_REVOKED" && err.code !== "KEY_EXPIRED") return respond(errorResult(err, requestId, format), null, null);
      const { err: final, headers } = await attempt.failed(err);
      return respond(errorResult(asRefusal(final), requestId, format, headers), null, null);
    }
    if (clientIdError) return respond(errorResult(asRefusal(clientIdError), requestId, format, creditHeaders(key.balanceMicros, key)), key, null);

    const stageInfo = { requestId, route: routeName, accountId: key.accountId, keyId: key.keyId };
    const admission$ = observer.stage("admission", stageInfo, () =>
      admit({ ...key, requestId }),
    );
    admission$.catch(() => undefined); // awaited below; may reject while the handler still runs
    const admitted$ = admission$.then(() => undefined);
    admitted$.catch(() => undefined);
    const refused = (e: unknown): GatewayResponse => {
      noteRefusedAdmission(key.keyId);
      let err: Refusal;
      try {
        err = asRefusal(e);
      } catch (internal) {
        return respond(errorResult(internal, requestId, format, {}, (x) => observer.internalError(requestId, x)), key, null);
      }
      return respond(errorResult(err, requestId, format, creditHeaders(key.balanceMicros, key)), key, null);
    };
    let admission: Admission | null = null;
    if (!route.overlapAdmission) {
      try {
        admission = await admission$;
      } catch (e) {
        return refused(e);
      }
    }

    let slotUntil: Promise<unknown> | null = null;
    ctx = {
      req,
      route: routeName,
      params: Object.fromEntries((route.paramNames ?? []).map((n, i) => [n, m[i + 1] ?? ""])),
      query,
      requestId,
      format,
      key,
      admitted: () => admitted$,
      startedAt,
      clientIpHash,
      balanceMicros: key.balanceMicros,
      headers: {},
      model: null,
      requestedModel: null,
      clientRequestId,
      logged: false,
      stream: false,
      holdSlotUntil(done) {
        slotUntil = slotUntil ? Promise.allSettled([slotUntil, done]) : done;
      },
      refreshSlot() {
        admission$.then((a) => a.refresh(), () => undefined);
      },
      observer,
    };
    let res: GatewayResponse;
    try {
      res = await route.handler!(ctx);
    } catch (e) {
      // An overlapped handler that stopped at a refused admission: the 429 below answers.
      if (!admission) {
        const refusal = await admission$.then(() => null, (x: unknown) => ({ x }));
        if (refusal) return refused(refusal.x);
      }
      res = errorResult(e, requestId, format, ctx.headers, (x) => observer.internalError(requestId, x));
    }
    if (!admission) {
      // Overlapped: a refused admission wins over whatever the handler made of the request (it
      // awaited admitted() before any side effect, so it did nothing).
      try {
        admission = await admission$;
      } catch (e) {
        return refused(e);
      }
    }
    const release = admission.release;
    if (slotUntil) (slotUntil as Promise<unknown>).then(release, release);
    else release();
    const extra = observer.responseHeaders({ requestId, accountId: key.accountId, keyId: key.keyId, model: ctx.model, status: res.status });
    res.headers = { ...res.headers, ...ctx.headers, ...rateHeaders(admission), ...creditHeaders(ctx.balanceMicros, key), ...extra, "X-Request-Id": requestId };
    return respond(res, key, ctx.model?.id ?? null, ctx.stream);
  }

  return { handle };
}
