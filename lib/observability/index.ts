// Logs, metrics and traces of API calls: one observer of the gateway core (lib/gateway/core/
// observer.ts), installed once per process. Per request it keeps a small record from the first
// stage to the last event: the request log line is written when the response is decided and, for
// a call that placed a credit hold, its settlement booked — so the line carries the charge.
import { addGatewayObserver, type CallBookedInfo, type GatewayObserver, type ResponseInfo, type Stage, type StageInfo } from "@/lib/gateway/core/observer";
import { log } from "@/lib/log";
import { breakerStates } from "@/lib/gateway/breaker";
import { metrics, setMetricSource } from "@/lib/metrics";
import { startRequestSpan, tracingEnabled, type TraceSpan } from "@/lib/tracing";

interface InFlight {
  route: string;
  accountId?: string;
  keyId?: string;
  model?: string;
  provider?: string;
  /** A credit hold was placed: a booking (or an unbilled report) will follow. */
  held: boolean;
  errorCode?: string;
  response?: ResponseInfo;
  booked?: CallBookedInfo;
  unbilled?: { chargeMicros: bigint; reason: string };
  span?: TraceSpan;
}

const MAX_IN_FLIGHT = 50_000;

type G = typeof globalThis & { __tollgateObservability?: { remove(): void } };
const g = globalThis as G;

function codeOf(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" ? code : e instanceof Error ? e.name : "error";
}

export function createObservabilityObserver(): GatewayObserver {
  const inFlight = new Map<string, InFlight>();
  const apiLog = log("api");

  function entry(info: StageInfo): InFlight {
    let r = inFlight.get(info.requestId);
    if (!r) {
      if (inFlight.size >= MAX_IN_FLIGHT) {
        // A leak would be a bug (an event the core never sent); never let it grow without bound.
        const oldest = inFlight.keys().next().value;
        if (oldest !== undefined) inFlight.delete(oldest);
      }
      r = { route: info.route, held: false };
      inFlight.set(info.requestId, r);
    }
    r.accountId ??= info.accountId;
    r.keyId ??= info.keyId;
    r.model ??= info.model;
    r.provider ??= info.provider;
    return r;
  }

  function finish(requestId: string, r: InFlight): void {
    const res = r.response;
    if (!res) return; // the response event completes the record
    if (r.held && !r.booked && !r.unbilled) return; // the booking is still to come
    inFlight.delete(requestId);
    const status = r.booked?.statusCode ?? res.status;
    const latencyMs = r.booked?.latencyMs ?? Math.round(res.durationMs);
    const line = {
      requestId,
      accountId: res.accountId ?? r.accountId ?? null,
      keyId: r.keyId ?? null,
      route: res.route,
      method: res.method,
      status,
      model: res.model ?? r.model ?? null,
      stream: res.stream,
      latencyMs,
      chargeMicros: (r.booked?.chargedMicros ?? BigInt(0)).toString(),
      ...(r.booked && r.booked.overageMicros > BigInt(0) ? { overageMicros: r.booked.overageMicros.toString() } : {}),
      ...(r.booked?.errorCode || r.errorCode ? { errorCode: r.booked?.errorCode ?? r.errorCode } : {}),
      ...(r.unbilled ? { unbilledMicros: r.unbilled.chargeMicros.toString(), unbilledReason: r.unbilled.reason } : {}),
    };
    if (r.unbilled) apiLog.warn(line, "api request (served, not charged)");
    else if (status >= 500) apiLog.error(line, "api request");
    else apiLog.info(line, "api request");
    if (r.span) {
      r.span.set({ "http.response.status_code": status, "tollgate.charge_micros": line.chargeMicros });
      if (status >= 500) r.span.fail(line.errorCode ?? String(status));
      r.span.end();
    }
  }

  return {
    stage<T>(stage: Stage, info: StageInfo, run: () => Promise<T>): Promise<T> {
      const r = entry(info);
      const t0 = performance.now();
      let span: TraceSpan | undefined;
      if (tracingEnabled()) {
        r.span ??= startRequestSpan(`${info.route}`, { "tollgate.request_id": info.requestId }, t0);
        if (info.accountId) r.span.set({ "tollgate.account_id": info.accountId });
        span = r.span.child(`tollgate.${stage}`, {
          "tollgate.request_id": info.requestId,
          ...(info.accountId ? { "tollgate.account_id": info.accountId } : {}),
          ...(info.model ? { "tollgate.model": info.model } : {}),
          ...(info.provider ? { "tollgate.provider": info.provider } : {}),
        });
      }
      return run().then(
        (v) => {
          // reserve() answers { ok: false, code } for a refused hold (402): nothing to book then.
          const refused = stage === "hold" && (v as { ok?: unknown } | null)?.ok === false;
          if (stage === "hold" && !refused) r.held = true;
          if (refused) {
            r.errorCode = String((v as { code?: unknown }).code);
            span?.fail(r.errorCode);
          }
          span?.end();
          return v;
        },
        (e: unknown) => {
          r.errorCode = codeOf(e);
          span?.fail(r.errorCode);
          span?.end();
          throw e;
        },
      );
    },
    response(info) {
      const m = metrics();
      m.requests.inc({ route: info.route, status: String(info.status), model: info.model ?? "" });
      m.requestDuration.observe({ route: info.route }, info.durationMs / 1000);
      if (info.status === 402) m.paymentRequired.inc();
      const r = inFlight.get(info.requestId) ?? entry({ requestId: info.requestId, route: info.route });
      if (info.status === 429) m.rateLimited.inc({ limit: r.errorCode === "CONCURRENCY_LIMITED" ? "concurrency" : r.keyId ? "rate" : "auth_failures" });
      r.response = info;
      finish(info.requestId, r);
    },
    upstream(info) {
      const m = metrics();
      m.upstreamDuration.observe({ provider: info.provider, outcome: info.failure ?? "ok" }, info.durationMs / 1000);
      if (info.failure) m.upstreamErrors.inc({ provider: info.provider, kind: info.failure });
    },
    booked(info) {
      const m = metrics();
      if (info.chargedMicros > BigInt(0)) m.chargedMicros.inc({ model: info.model ?? "" }, Number(info.chargedMicros));
      if (info.overageMicros > BigInt(0)) m.overageMicros.inc(Number(info.overageMicros));
      const r = inFlight.get(info.requestId);
      if (!r) return;
      r.booked = info;
      finish(info.requestId, r);
    },
    unbilled(info) {
      const r = inFlight.get(info.requestId);
      if (!r) {
        log("api").warn({ requestId: info.requestId, accountId: info.accountId, unbilledMicros: info.chargeMicros.toString(), reason: info.reason }, "call served but not charged");
        return;
      }
      r.unbilled = { chargeMicros: info.chargeMicros, reason: info.reason };
      finish(info.requestId, r);
    },
  };
}

/**
 * Installs the observer and the circuit-breaker reading once per process (the route bundle and
 * the fast lane load separate copies of this module; globalThis is what they share).
 */
export function installObservability(): void {
  if (g.__tollgateObservability) return;
  setMetricSource("circuits", breakerStates);
  g.__tollgateObservability = { remove: addGatewayObserver(createObservabilityObserver()) };
}
