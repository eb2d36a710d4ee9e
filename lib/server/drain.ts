// Graceful shutdown of one server process. On SIGTERM the instance drains: /readyz turns 503 so
// the load balancer stops sending, new requests are refused with 503 (Connection: close, so
// clients and proxies retry elsewhere), calls in flight run to their end — up to
// TOLLGATE_DRAIN_TIMEOUT_MS — and their settlements are booked; then the process exits.
import type http from "node:http";
import { allSettlements } from "@/lib/gateway/pending";
import { isDraining, startDraining } from "@/lib/health";
import { log } from "@/lib/log";
import { newId } from "@/lib/ids";

/** Paths that keep answering during a drain (probes and the scraper). */
const ALWAYS = new Set(["/livez", "/readyz", "/metrics"]);

export interface Drainable {
  listener: http.RequestListener;
  /** Requests whose response has not finished yet. */
  inFlight(): number;
  /** Resolves when no request is in flight (at once if none is). */
  idle(): Promise<void>;
}

/** Counts requests in flight and refuses new ones while draining. */
export function drainable(inner: http.RequestListener): Drainable {
  let active = 0;
  let waiters: (() => void)[] = [];
  const done = () => {
    active -= 1;
    if (active === 0) {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    }
  };
  const listener: http.RequestListener = (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (isDraining() && !ALWAYS.has(path)) {
      const requestId = newId("request");
      res.writeHead(503, { "Content-Type": "application/json", "Cache-Control": "no-store", "Retry-After": "1", Connection: "close", "X-Request-Id": requestId });
      res.end(JSON.stringify({ error: { message: "This instance is shutting down. Retry the request.", type: "api_error", code: "SERVICE_UNAVAILABLE", param: null }, code: "SERVICE_UNAVAILABLE", status: 503, request_id: requestId }));
      return;
    }
    active += 1;
    res.once("close", done);
    inner(req, res);
  };
  return {
    listener,
    inFlight: () => active,
    idle: () => (active === 0 ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
  };
}

/**
 * Drains: waits for the calls in flight (at most timeoutMs; past it their connections are cut, so
 * streams end as client aborts and are settled for what was delivered), waits for every pending
 * settlement, then runs `close` (stop the server, close the database).
 */
export async function drain(d: Drainable, opts: { timeoutMs: number; cutConnections: () => void; close: () => Promise<void> }): Promise<{ timedOut: boolean; leftInFlight: number }> {
  const l = log("server");
  startDraining();
  l.info({ inFlight: d.inFlight(), timeoutMs: opts.timeoutMs }, "draining: not ready, finishing calls in flight");
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([d.idle().then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), opts.timeoutMs)))]);
  clearTimeout(timer);
  const leftInFlight = d.inFlight();
  if (timedOut) {
    l.warn({ inFlight: leftInFlight }, "drain time limit reached: cutting the calls still running (each is settled for what it delivered)");
    opts.cutConnections();
    await Promise.race([d.idle(), new Promise((r) => setTimeout(r, 2000))]);
  }
  await allSettlements();
  await opts.close();
  l.info("drained");
  return { timedOut, leftInFlight };
}
