// Holds/s: concurrent callers of lib/ledger placeHold against the run's database, then every hold
// released (also timed), then the ledger invariants verified for the accounts involved.
import type { Db } from "@/lib/db";
import { newId } from "@/lib/ids";
import { placeHold, releaseHold, verifyLedger } from "@/lib/ledger";
import type { BenchAccount } from "./database";
import { summarize, type LatencySummary } from "./loadgen";

export interface HoldsResult {
  accounts: number;
  callers: number;
  durationS: number;
  placed: number;
  failed: number;
  failureSamples: string[];
  holdsPerSec: number;
  latencyMs: LatencySummary;
  released: number;
  releasesPerSec: number;
  releaseLatencyMs: LatencySummary;
  ledgerViolations: number;
}

const MIN_HOLD = BigInt(1_000);
const MAX_HOLD = BigInt(10_000);
const RELEASE_MAX = 20_000;

export async function runHolds(db: Db, targets: BenchAccount[], opts: { callers: number; durationMs: number; warmupMs: number }): Promise<HoldsResult> {
  const holdIds: { id: string; accountId: string }[] = [];
  const latencies: number[] = [];
  const failureSamples: string[] = [];
  let failed = 0;
  let next = 0;
  let measuring = false;
  let measureStart = 0;
  let placedMeasured = 0;
  const warmEnd = performance.now() + opts.warmupMs;
  const end = warmEnd + opts.durationMs;

  async function caller(): Promise<void> {
    for (;;) {
      const now = performance.now();
      if (now >= end) return;
      if (!measuring && now >= warmEnd) {
        measuring = true;
        measureStart = now;
      }
      const counted = measuring;
      const t = targets[next++ % targets.length];
      const t0 = performance.now();
      try {
        const r = await placeHold(db, { accountId: t.accountId, keyId: t.keyId, requestId: newId("request"), minMicros: MIN_HOLD, maxMicros: MAX_HOLD });
        const ms = performance.now() - t0;
        if (r.ok) {
          holdIds.push({ id: r.holdId, accountId: t.accountId });
          if (counted) {
            placedMeasured += 1;
            latencies.push(ms);
          }
        } else if (counted) {
          failed += 1;
          if (failureSamples.length < 5) failureSamples.push(r.code);
        }
      } catch (e) {
        if (counted) {
          failed += 1;
          if (failureSamples.length < 5) failureSamples.push(e instanceof Error ? e.message.slice(0, 200) : String(e));
        }
      }
    }
  }
  await Promise.all(Array.from({ length: opts.callers }, () => caller()));
  const measuredMs = Math.max(1, performance.now() - (measureStart || warmEnd));

  // Release what was placed (warmup included), with the same number of concurrent callers — at
  // most RELEASE_MAX of them, which bounds the phase's run time. Holds left pending are still in
  // the ledger invariants checked below (held = Σ pending holds).
  const releaseLat: number[] = [];
  const toRelease = holdIds.slice(0, RELEASE_MAX);
  let idx = 0;
  const r0 = performance.now();
  await Promise.all(
    Array.from({ length: opts.callers }, async () => {
      while (idx < toRelease.length) {
        const h = toRelease[idx++];
        const t0 = performance.now();
        await releaseHold(db, h.id, undefined, h.accountId);
        releaseLat.push(performance.now() - t0);
      }
    }),
  );
  const releaseMs = Math.max(1, performance.now() - r0);

  let ledgerViolations = 0;
  for (const t of targets) ledgerViolations += (await verifyLedger(db, t.accountId)).violations.length;

  return {
    accounts: targets.length,
    callers: opts.callers,
    durationS: Math.round(measuredMs) / 1000,
    placed: placedMeasured,
    failed,
    failureSamples,
    holdsPerSec: Math.round((placedMeasured / measuredMs) * 1000 * 10) / 10,
    latencyMs: summarize(latencies),
    released: toRelease.length,
    releasesPerSec: Math.round((toRelease.length / releaseMs) * 1000 * 10) / 10,
    releaseLatencyMs: summarize(releaseLat),
    ledgerViolations,
  };
}
