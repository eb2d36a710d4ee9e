// Prometheus metrics (prom-client). One registry per process, kept on globalThis because the
// server runs this module twice (Next's bundle and the custom server's own import); every copy
// must count into the same series.
import client from "prom-client";

export type CircuitState = "closed" | "half_open" | "open";
const CIRCUIT_VALUE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

/** Scrape-time sources the metrics module reads but does not own (set by their modules). */
export interface MetricSources {
  /** Pending holds and held micro-dollars across all accounts (one database query). */
  holds?: () => Promise<{ pending: number; heldMicros: bigint }>;
  /** Circuit state per provider on this instance. */
  circuits?: () => Iterable<[provider: string, state: CircuitState]>;
  /** This instance's group-committed holds (lib/ledger/hold-batch.ts). */
  holdBatches?: () => { batches: number; batchedHolds: number; fallbacks: number };
  settleBatches?: () => { batches: number; batchedSettlements: number; fallbacks: number };
  /** This instance's usage-event writer (lib/usage/events.ts). */
  usageEvents?: () => { queued: number; written: number; batches: number; dropped: number; failedFlushes: number };
}

/** A counter that mirrors a monotonic count kept elsewhere: each scrape adds what it grew by. */
function mirrored(registry: client.Registry, name: string, help: string, read: () => number | undefined): client.Counter {
  let seen = 0;
  return new client.Counter({
    name,
    help,
    registers: [registry],
    collect() {
      const now = read();
      if (now !== undefined && now > seen) {
        this.inc(now - seen);
        seen = now;
      }
    },
  });
}

function build(registry: client.Registry, sources: MetricSources) {
  const r = [registry];
  // Latency buckets from a cached key check (~1 ms) to a long completion (2 min).
  const latency = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
  const holdBatches = () => sources.holdBatches?.();
  const settleBatches = () => sources.settleBatches?.();
  const events = () => sources.usageEvents?.();
  return {
    holdBatches: mirrored(registry, "tollgate_hold_batches_total", "Statements that placed several holds of one account at once (group commit)", () => holdBatches()?.batches),
    holdsBatched: mirrored(registry, "tollgate_holds_batched_total", "Holds decided in such batches", () => holdBatches()?.batchedHolds),
    holdBatchFallbacks: mirrored(registry, "tollgate_hold_batch_fallbacks_total", "Batches that failed as a whole, their holds then placed one by one", () => holdBatches()?.fallbacks),
    settleBatches: mirrored(registry, "tollgate_settle_batches_total", "Statements that booked several finished calls of one account at once (group commit)", () => settleBatches()?.batches),
    settlementsBatched: mirrored(registry, "tollgate_settlements_batched_total", "Finished calls booked in such batches", () => settleBatches()?.batchedSettlements),
    settleBatchFallbacks: mirrored(registry, "tollgate_settle_batch_fallbacks_total", "Batches that failed as a whole, their calls then booked one by one", () => settleBatches()?.fallbacks),
    usageEventsWritten: mirrored(registry, "tollgate_usage_events_written_total", "Usage events (requests that book no money) written to the request log", () => events()?.written),
    usageEventsDropped: mirrored(registry, "tollgate_usage_events_dropped_total", "Usage events dropped because the queue was full (database unreachable for long)", () => events()?.dropped),
    usageEventFlushFailures: mirrored(registry, "tollgate_usage_event_flush_failures_total", "Usage-event batches the database refused (retried with backoff)", () => events()?.failedFlushes),
    usageEventsQueued: new client.Gauge({
      name: "tollgate_usage_events_queued",
      help: "Usage events waiting in this instance's memory to be written",
      registers: r,
      collect() {
        const e = events();
        if (e) this.set(e.queued);
      },
    }),
    requests: new client.Counter({ name: "tollgate_requests_total", help: "API requests answered, by route, HTTP status and model", labelNames: ["route", "status", "model"] as const, registers: r }),
    requestDuration: new client.Histogram({ name: "tollgate_request_duration_seconds", help: "API request latency (until the answer or the stream ended)", labelNames: ["route"] as const, buckets: latency, registers: r }),
    upstreamDuration: new client.Histogram({ name: "tollgate_upstream_duration_seconds", help: "Upstream provider call latency, by provider and outcome", labelNames: ["provider", "outcome"] as const, buckets: latency, registers: r }),
    upstreamErrors: new client.Counter({ name: "tollgate_upstream_errors_total", help: "Failed upstream attempts, by provider and kind (status, timeout, connect, circuit_open)", labelNames: ["provider", "kind"] as const, registers: r }),
    chargedMicros: new client.Counter({ name: "tollgate_charged_micros_total", help: "Micro-dollars charged by settlements", labelNames: ["model"] as const, registers: r }),
    overageMicros: new client.Counter({ name: "tollgate_overage_micros_total", help: "Micro-dollars charged beyond the hold (settlement exceeded the pre-authorisation)", registers: r }),
    paymentRequired: new client.Counter({ name: "tollgate_payment_required_total", help: "Requests refused with 402 (insufficient credit or key spend cap)", registers: r }),
    rateLimited: new client.Counter({ name: "tollgate_rate_limited_total", help: "Requests refused with 429, by limit", labelNames: ["limit"] as const, registers: r }),
    rateLimitStoreFailures: new client.Counter({ name: "tollgate_ratelimit_store_failures_total", help: "Rate-limit store calls that failed or timed out (the limiter failed open)", registers: r }),
    rateLimitDegraded: new client.Counter({ name: "tollgate_ratelimit_degraded_requests_total", help: "Requests admitted without a limit check (mode=open) or refused with 503 (mode=closed) because the rate-limit store was down (RATELIMIT_FAIL_MODE)", labelNames: ["mode"] as const, registers: r }),
    jobRuns: new client.Counter({ name: "tollgate_job_runs_total", help: "Background job runs, by job and outcome", labelNames: ["job", "outcome"] as const, registers: r }),
    holdsPending: new client.Gauge({
      name: "tollgate_holds_pending",
      help: "Credit holds currently pending (all instances: read from the database)",
      registers: r,
      aggregator: "max",
      async collect() {
        const s = await sources.holds?.().catch(() => undefined);
        if (s) this.set(s.pending);
      },
    }),
    heldMicros: new client.Gauge({
      name: "tollgate_held_micros",
      help: "Micro-dollars currently held by pending holds (all instances: read from the database)",
      registers: r,
      aggregator: "max",
      async collect() {
        const s = await sources.holds?.().catch(() => undefined);
        if (s) this.set(Number(s.heldMicros));
      },
    }),
    circuit: new client.Gauge({
      name: "tollgate_circuit_breaker_state",
      help: "Circuit breaker per provider on this instance: 0 closed, 1 half-open, 2 open",
      labelNames: ["provider"] as const,
      registers: r,
      collect() {
        this.reset();
        for (const [provider, state] of sources.circuits?.() ?? []) this.set({ provider }, CIRCUIT_VALUE[state]);
      },
    }),
  };
}

export type Metrics = ReturnType<typeof build>;

interface State {
  registry: client.Registry;
  metrics: Metrics;
  sources: MetricSources;
}
type G = typeof globalThis & { __tollgateMetrics?: State };
const g = globalThis as G;

function state(): State {
  if (!g.__tollgateMetrics) {
    const registry = new client.Registry();
    const sources: MetricSources = {};
    client.collectDefaultMetrics({ register: registry });
    g.__tollgateMetrics = { registry, sources, metrics: build(registry, sources) };
  }
  return g.__tollgateMetrics;
}

/** The counters and histograms to record into. */
export function metrics(): Metrics {
  return state().metrics;
}

export function metricsRegistry(): client.Registry {
  return state().registry;
}

export function setMetricSource<K extends keyof MetricSources>(key: K, source: MetricSources[K]): void {
  state().sources[key] = source;
}

export const METRICS_CONTENT_TYPE = client.Registry.PROMETHEUS_CONTENT_TYPE;
