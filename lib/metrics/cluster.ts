// Metrics of every worker when the server runs as a node:cluster. A scrape lands on one worker;
// it asks the primary, which collects each worker's registry (prom-client's AggregatorRegistry:
// counters and histograms summed, the database-read gauges by max) and answers with the text.
import cluster from "node:cluster";
import { randomUUID } from "node:crypto";
import { AggregatorRegistry } from "prom-client";
import { metricsRegistry } from "./index";

const ASK = "tollgate:metrics:ask";
const ANSWER = "tollgate:metrics:answer";
type Ask = { type: typeof ASK; id: string };
type Answer = { type: typeof ANSWER; id: string; text?: string; error?: string };

type G = typeof globalThis & { __tollgateClusterMetrics?: { waiting: Map<string, (a: Answer) => void> } };
const g = globalThis as G;

/** In the primary: answer workers' scrapes with the aggregate of all workers. */
export function serveClusterMetrics(): void {
  if (!cluster.isPrimary) return;
  const aggregator = new AggregatorRegistry();
  cluster.on("message", (worker, message: Ask) => {
    if (message?.type !== ASK) return;
    aggregator
      .clusterMetrics()
      .then((text) => worker.send({ type: ANSWER, id: message.id, text } satisfies Answer))
      .catch((e: unknown) => worker.send({ type: ANSWER, id: message.id, error: e instanceof Error ? e.message : String(e) } satisfies Answer));
  });
}

/** In a worker: let the primary read this worker's registry, and listen for its answers. */
function workerSide(): Map<string, (a: Answer) => void> {
  if (!g.__tollgateClusterMetrics) {
    AggregatorRegistry.setRegistries([metricsRegistry()]);
    new AggregatorRegistry(); // installs prom-client's worker-side listener
    const waiting = new Map<string, (a: Answer) => void>();
    process.on("message", (m: Answer) => {
      if (m?.type === ANSWER) waiting.get(m.id)?.(m);
    });
    g.__tollgateClusterMetrics = { waiting };
  }
  return g.__tollgateClusterMetrics.waiting;
}

/** Register the worker side at start-up, so the primary can collect from every worker. */
export function joinClusterMetrics(): void {
  if (cluster.isWorker && process.send) workerSide();
}

/** The whole cluster's metrics text, or undefined outside a cluster. */
export async function clusterMetrics(timeoutMs = 5000): Promise<string | undefined> {
  if (!cluster.isWorker || !process.send) return undefined;
  const waiting = workerSide();
  const id = randomUUID();
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error("the primary did not answer the metrics request"));
    }, timeoutMs);
    waiting.set(id, (a) => {
      clearTimeout(timer);
      waiting.delete(id);
      if (a.error !== undefined || a.text === undefined) reject(new Error(a.error ?? "no metrics"));
      else resolve(a.text);
    });
    process.send!({ type: ASK, id } satisfies Ask);
  });
}
