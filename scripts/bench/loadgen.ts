// A small closed-loop HTTP load generator: `concurrency` workers, each sending its next request as
// soon as the previous one finished, over keep-alive connections (one per worker). Every response
// is checked, so a fast stream of errors can never pass for throughput.
import http from "node:http";

export interface HttpTarget {
  url: string;
  method: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** Returns an error description when the response is not the expected one. */
  validate?: (status: number, body: string) => string | null;
}

export interface Sample {
  totalMs: number;
  ttfbMs: number;
}

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface PhaseResult {
  concurrency: number;
  durationS: number;
  /** Successful requests in the measured window. */
  requests: number;
  /** Every request answered, warmup and errors included (for per-request counters). */
  sent: number;
  errors: number;
  errorSamples: string[];
  rps: number;
  /** req/s of each measured slice, in the order they ran (merged phases only). */
  sliceRps?: number[];
  latencyMs: LatencySummary;
  ttfbMs: LatencySummary;
  /** CPU ms per request of each process involved (filled in by the phase runner). */
  cpuMsPerRequest?: Partial<Record<"server" | "console" | "peer" | "routes" | "mock" | "postgres" | "redis" | "loadgen", number>>;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx];
}

export function summarize(values: number[]): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  const arr = Array.from(sorted);
  const mean = arr.length ? arr.reduce((a, b) => a + b, 0) / arr.length : NaN;
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return { p50: r(percentile(arr, 50)), p90: r(percentile(arr, 90)), p99: r(percentile(arr, 99)), max: r(arr.at(-1) ?? NaN), mean: r(mean) };
}

/** One request: resolves with timings, status and body text (responses here are a few KB at most). */
export function sendOnce(agent: http.Agent, target: HttpTarget): Promise<{ status: number; body: string; ttfbMs: number; totalMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const headers: Record<string, string> = { ...target.headers };
    if (target.body !== undefined) headers["content-length"] = String(Buffer.byteLength(target.body));
    const req = http.request(target.url, { method: target.method, agent, headers }, (res) => {
      const ttfbMs = performance.now() - t0;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, ttfbMs, totalMs: performance.now() - t0 }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(target.body);
  });
}

export interface RunOptions {
  concurrency: number;
  durationMs: number;
  warmupMs: number;
}

/** One closed-loop run with its raw samples, so runs of the same phase can be merged. */
export interface RawRun {
  result: PhaseResult;
  samples: Sample[];
  measuredMs: number;
}

/** Runs the closed loop for warmup (discarded) then duration (measured). A function target gives each worker its own. */
export async function runLoad(targetOrPerWorker: HttpTarget | ((worker: number) => HttpTarget), opts: RunOptions): Promise<PhaseResult> {
  return (await runLoadRaw(targetOrPerWorker, opts)).result;
}

/**
 * Several runs of one phase as one result: latencies from all their samples, req/s over their
 * summed measured time.
 */
export function mergeRuns(runs: RawRun[]): PhaseResult {
  const samples = runs.flatMap((r) => r.samples);
  const measuredMs = Math.max(1, runs.reduce((n, r) => n + r.measuredMs, 0));
  return {
    concurrency: runs[0]?.result.concurrency ?? 0,
    durationS: Math.round(measuredMs) / 1000,
    requests: samples.length,
    sent: runs.reduce((n, r) => n + r.result.sent, 0),
    errors: runs.reduce((n, r) => n + r.result.errors, 0),
    errorSamples: runs.flatMap((r) => r.result.errorSamples).slice(0, 5),
    rps: Math.round((samples.length / measuredMs) * 1000 * 10) / 10,
    sliceRps: runs.map((r) => Math.round((r.samples.length / Math.max(1, r.measuredMs)) * 1000 * 10) / 10),
    latencyMs: summarize(samples.map((x) => x.totalMs)),
    ttfbMs: summarize(samples.map((x) => x.ttfbMs)),
  };
}

export async function runLoadRaw(targetOrPerWorker: HttpTarget | ((worker: number) => HttpTarget), opts: RunOptions): Promise<RawRun> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.concurrency, keepAliveMsecs: 30_000 });
  const samples: Sample[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let sent = 0;
  let measuring = false;
  let measureStart = 0;
  const warmEnd = performance.now() + opts.warmupMs;
  const end = warmEnd + opts.durationMs;

  const noteError = (msg: string) => {
    if (!measuring) return;
    errors += 1;
    if (errorSamples.length < 5) errorSamples.push(msg.slice(0, 300));
  };

  async function worker(index: number): Promise<void> {
    const target = typeof targetOrPerWorker === "function" ? targetOrPerWorker(index) : targetOrPerWorker;
    for (;;) {
      const now = performance.now();
      if (now >= end) return;
      if (!measuring && now >= warmEnd) {
        measuring = true;
        measureStart = now;
      }
      // A request started during warmup is not counted, even if it ends after warmup.
      const counted = measuring;
      try {
        const r = await sendOnce(agent, target);
        sent += 1;
        const problem = r.status !== 200 ? `HTTP ${r.status}: ${r.body.slice(0, 200)}` : (target.validate?.(r.status, r.body) ?? null);
        if (!counted) continue;
        if (problem) noteError(problem);
        else samples.push({ totalMs: r.totalMs, ttfbMs: r.ttfbMs });
      } catch (e) {
        if (counted) noteError(`network: ${e instanceof Error ? e.message : String(e)}`);
        // Back off a little so a dead server does not spin the loop.
        await new Promise((res) => setTimeout(res, 5));
      }
    }
  }

  await Promise.all(Array.from({ length: opts.concurrency }, (_, i) => worker(i)));
  const measuredMs = Math.max(1, performance.now() - (measureStart || warmEnd));
  agent.destroy();
  const result: PhaseResult = {
    concurrency: opts.concurrency,
    durationS: Math.round(measuredMs) / 1000,
    requests: samples.length,
    sent,
    errors,
    errorSamples,
    rps: Math.round((samples.length / measuredMs) * 1000 * 10) / 10,
    latencyMs: summarize(samples.map((s) => s.totalMs)),
    ttfbMs: summarize(samples.map((s) => s.ttfbMs)),
  };
  return { result, samples, measuredMs };
}
