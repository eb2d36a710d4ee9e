// GET /metrics: Prometheus text. Off (404) unless METRICS_TOKEN is set; then the scraper must
// send `Authorization: Bearer $METRICS_TOKEN`.
import { timingSafeEqual, createHash } from "node:crypto";
import { env } from "@/lib/env";
import { clusterMetrics } from "./cluster";
import { METRICS_CONTENT_TYPE, metricsRegistry, setMetricSource } from "./index";
import { holdBatchStats } from "@/lib/ledger/hold-batch";
import { settleBatchStats } from "@/lib/ledger/settle-batch";
import { usageEventStats } from "@/lib/usage/events";
import { pendingHoldTotals } from "./sources";

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Constant-time comparison of the presented bearer token with METRICS_TOKEN. */
export function metricsAuthorized(header: string | null, token: string): boolean {
  const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header ?? "");
  return match !== null && timingSafeEqual(digest(match[1]), digest(token));
}

export async function metricsResponse(req: Request): Promise<Response> {
  const token = env().METRICS_TOKEN;
  const plain = { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" };
  if (!token) return new Response("Not found\n", { status: 404, headers: plain });
  if (!metricsAuthorized(req.headers.get("authorization"), token)) {
    return new Response("Unauthorized\n", { status: 401, headers: { ...plain, "WWW-Authenticate": 'Bearer realm="metrics"' } });
  }
  setMetricSource("holds", pendingHoldTotals);
  setMetricSource("holdBatches", holdBatchStats);
  setMetricSource("settleBatches", settleBatchStats);
  setMetricSource("usageEvents", usageEventStats);
  const text = (await clusterMetrics()) ?? (await metricsRegistry().metrics());
  return new Response(text, { status: 200, headers: { "Content-Type": METRICS_CONTENT_TYPE, "Cache-Control": "no-store" } });
}
