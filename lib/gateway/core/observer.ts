// Seams for operability (logs, metrics, traces): the core reports what it does to an observer and
// never depends on a particular library. Every member is optional; the default observer does
// nothing. An observer must not throw (its exceptions are caught and dropped) and must not block:
// it runs on the request path.
import type { ModelRow } from "@/lib/models";

export type Stage = "auth" | "admission" | "hold" | "upstream" | "settlement";

export interface StageInfo {
  requestId: string;
  route: string;
  accountId?: string;
  keyId?: string;
  model?: string;
  provider?: string;
}

export interface ResponseInfo {
  requestId: string;
  route: string;
  method: string;
  status: number;
  /** Public model id, when the call got that far. */
  model: string | null;
  accountId: string | null;
  stream: boolean;
  /** From arrival until the response head was ready. */
  durationMs: number;
}

export interface UpstreamInfo {
  requestId: string;
  /** Circuit-breaker name: the provider ("openai", "anthropic", "mock"). */
  provider: string;
  /** HTTP status of the final attempt (null: no response). */
  status: number | null;
  /** Failure kind when no usable response came back (timeout, connect, status, ...). */
  failure: string | null;
  durationMs: number;
}

export interface CallBookedInfo {
  requestId: string;
  accountId: string;
  model: string | null;
  provider: string | null;
  statusCode: number;
  errorCode: string | null;
  holdMicros: bigint;
  chargedMicros: bigint;
  /** Charged beyond the hold (the ledger records it; later calls get 402). */
  overageMicros: bigint;
  usageSource: string;
  latencyMs: number;
  ttfbMs: number | null;
  /** Settlement attempts it took (1 unless the database was unreachable). */
  attempts: number;
}

export interface UnbilledInfo {
  requestId: string;
  accountId: string;
  holdId: string;
  /** What the call should have cost. */
  chargeMicros: bigint;
  reason: string;
}

export interface GatewayObserver {
  /**
   * Wraps one stage of a call; return run()'s promise (a tracer opens a span around it). A stage
   * that fails rejects with the same error.
   */
  stage?<T>(stage: Stage, info: StageInfo, run: () => Promise<T>): Promise<T>;
  /** The response head is decided (status known). For streams the body is still to come. */
  response?(info: ResponseInfo): void;
  /** One upstream call finished (after retries). */
  upstream?(info: UpstreamInfo): void;
  /** A call's settlement and request row were booked. */
  booked?(info: CallBookedInfo): void;
  /** A served call could not be charged (its hold was already released). */
  unbilled?(info: UnbilledInfo): void;
  /** An internal error (a bug or an outage) answered as a generic 500, or retried in the background. */
  internalError?(requestId: string, error: unknown): void;
  /** Response headers to add to an authenticated /api/v1 response (quota, deprecation, ...). */
  responseHeaders?(view: { requestId: string; accountId: string; keyId: string; model: ModelRow | null; status: number }): Record<string, string> | undefined;
}

type G = typeof globalThis & { __tollgateGatewayObservers?: GatewayObserver[] };
const g = globalThis as G;

/**
 * Installs an observer for every gateway instance in this process (the route-handler bundle and
 * the fast lane load separate copies of this module; globalThis is what they share).
 */
export function addGatewayObserver(o: GatewayObserver): () => void {
  (g.__tollgateGatewayObservers ??= []).push(o);
  return () => {
    const list = g.__tollgateGatewayObservers ?? [];
    const i = list.indexOf(o);
    if (i >= 0) list.splice(i, 1);
  };
}

function safe(fn: () => void): void {
  try {
    fn();
  } catch {
    // an observer never breaks a call
  }
}

/** The observers of this process, plus `extra`, as one. */
export function combinedObserver(extra?: GatewayObserver): Required<GatewayObserver> {
  const list = () => (extra ? [extra, ...(g.__tollgateGatewayObservers ?? [])] : (g.__tollgateGatewayObservers ?? []));
  return {
    stage<T>(stage: Stage, info: StageInfo, run: () => Promise<T>): Promise<T> {
      let wrapped = run;
      for (const o of list()) {
        if (!o.stage) continue;
        const inner = wrapped;
        wrapped = () => o.stage!(stage, info, inner);
      }
      return wrapped();
    },
    response: (i) => list().forEach((o) => o.response && safe(() => o.response!(i))),
    upstream: (i) => list().forEach((o) => o.upstream && safe(() => o.upstream!(i))),
    booked: (i) => list().forEach((o) => o.booked && safe(() => o.booked!(i))),
    unbilled: (i) => list().forEach((o) => o.unbilled && safe(() => o.unbilled!(i))),
    internalError: (id, e) => list().forEach((o) => o.internalError && safe(() => o.internalError!(id, e))),
    responseHeaders(view) {
      let out: Record<string, string> | undefined;
      for (const o of list()) {
        if (!o.responseHeaders) continue;
        let h: Record<string, string> | undefined;
        safe(() => (h = o.responseHeaders!(view)));
        if (h) out = { ...out, ...h };
      }
      return out;
    },
  };
}
