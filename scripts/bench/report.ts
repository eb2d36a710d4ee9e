// Targets, the printed table and bench/results.json.
import type { HoldsResult } from "./holds";
import type { PhaseResult } from "./loadgen";

export type PhaseOutcome = PhaseResult | { skipped: string };

export interface TargetResult {
  id: string;
  description: string;
  target: string;
  value: number | null;
  unit: string;
  pass: boolean;
  note?: string;
}

export const isRun = (p: PhaseOutcome | undefined): p is PhaseResult => Boolean(p && !("skipped" in p));

const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

export function evaluateTargets(http: Record<string, PhaseOutcome>, holdsHot: HoldsResult | { skipped: string } | undefined): TargetResult[] {
  const out: TargetResult[] = [];
  const direct1 = http["direct.chat.c1"];
  const tg1 = http["tollgate.chat.c1"];
  const floor32 = http["noop.c32"];
  const tg32 = http["tollgate.chat.c32"];

  const added = isRun(direct1) && isRun(tg1) ? round(tg1.latencyMs.p50 - direct1.latencyMs.p50, 3) : null;
  out.push({
    id: "added_p50_c1",
    description: "Latency Tollgate adds at concurrency 1 (non-streaming p50, Tollgate − direct to mock)",
    target: "≤ 3 ms",
    value: added,
    unit: "ms",
    pass: added !== null && added <= 3,
    note: added === null ? "not measured (Tollgate phase skipped)" : undefined,
  });

  const ratio = isRun(floor32) && isRun(tg32) && floor32.rps > 0 ? round(tg32.rps / floor32.rps, 3) : null;
  out.push({
    id: "throughput_c32_vs_floor",
    description: "Tollgate non-streaming req/s at concurrency 32 as a share of the no-op Next.js route (framework floor)",
    target: "≥ 0.70",
    value: ratio,
    unit: "ratio",
    pass: ratio !== null && ratio >= 0.7,
    note: ratio === null ? "not measured" : `${isRun(tg32) ? tg32.rps : "?"} req/s vs floor ${isRun(floor32) ? floor32.rps : "?"} req/s`,
  });

  const holds = holdsHot && !("skipped" in holdsHot) ? holdsHot.holdsPerSec : null;
  out.push({
    id: "holds_per_sec_hot_account",
    description: "placeHold throughput on one hot account (32 concurrent callers)",
    target: "≥ 1000 /s",
    value: holds,
    unit: "holds/s",
    pass: holds !== null && holds >= 1000,
  });

  const tgPhases = Object.entries(http).filter(([k]) => k.startsWith("tollgate."));
  const errors = tgPhases.reduce((n, [, p]) => n + (isRun(p) ? p.errors : 0), 0);
  const allRan = tgPhases.length > 0 && tgPhases.every(([, p]) => isRun(p));
  out.push({
    id: "tollgate_error_free",
    description: "Every Tollgate response in the measured phases was a correct 200 (sanity check: errors never count as throughput)",
    target: "0 errors",
    value: allRan ? errors : null,
    unit: "errors",
    pass: allRan && errors === 0,
  });
  return out;
}

export interface ContextResult {
  id: string;
  description: string;
  value: number | null;
  unit: string;
  note?: string;
}

/** Not targets: ratios that say where Tollgate's cost sits between the two floors. */
export function evaluateContext(http: Record<string, PhaseOutcome>): ContextResult[] {
  const rps = (name: string) => {
    const p = http[name];
    return isRun(p) && p.rps > 0 ? p.rps : null;
  };
  const ratio = (a: number | null, b: number | null) => (a !== null && b !== null ? round(a / b, 3) : null);
  const noop = rps("noop.c32");
  const proxy = rps("proxyfloor.c32");
  const tg = rps("tollgate.chat.c32");
  return [
    {
      id: "proxy_floor_c32_vs_floor",
      description: "A bare proxy route (read + parse the body, forward to the mock, parse and return the answer; no key, limit or ledger) as a share of the no-op route, concurrency 32",
      value: ratio(proxy, noop),
      unit: "ratio",
      note: proxy !== null && noop !== null ? `${proxy} vs ${noop} req/s` : "not measured",
    },
    {
      id: "throughput_c32_vs_proxy_floor",
      description: "Tollgate non-streaming req/s as a share of the bare proxy route: the cost of the gateway's own work (auth, limits, hold, settlement, log)",
      value: ratio(tg, proxy),
      unit: "ratio",
      note: tg !== null && proxy !== null ? `${tg} vs ${proxy} req/s` : "not measured",
    },
  ];
}

function fmt(v: number | undefined, digits = 2): string {
  return v === undefined || Number.isNaN(v) ? "-" : v.toFixed(digits);
}

export function renderTable(
  http: Record<string, PhaseOutcome>,
  holds: Record<string, HoldsResult | { skipped: string }>,
  targets: TargetResult[],
  context: ContextResult[] = [],
): string {
  const lines: string[] = [];
  const pad = (s: string, n: number) => s.padEnd(n);
  const lpad = (s: string, n: number) => s.padStart(n);
  lines.push(
    `${pad("phase", 26)}${lpad("conc", 5)}${lpad("req/s", 10)}${lpad("p50 ms", 9)}${lpad("p99 ms", 9)}${lpad("ttfb p50", 10)}${lpad("errors", 8)}   cpu ms/req: server  pg  mock`,
  );
  for (const [name, p] of Object.entries(http)) {
    if (!isRun(p)) {
      lines.push(`${pad(name, 26)}  skipped: ${p.skipped.slice(0, 90)}`);
      continue;
    }
    lines.push(
      `${pad(name, 26)}${lpad(String(p.concurrency), 5)}${lpad(fmt(p.rps, 1), 10)}${lpad(fmt(p.latencyMs.p50), 9)}${lpad(fmt(p.latencyMs.p99), 9)}${lpad(fmt(p.ttfbMs.p50), 10)}${lpad(String(p.errors), 8)}` +
        `   ${lpad(fmt(p.cpuMsPerRequest?.server), 17)}${lpad(fmt(p.cpuMsPerRequest?.postgres), 6)}${lpad(fmt(p.cpuMsPerRequest?.mock), 6)}`,
    );
  }
  lines.push("");
  for (const [name, h] of Object.entries(holds)) {
    if ("skipped" in h) {
      lines.push(`${pad(name, 26)}  skipped: ${h.skipped.slice(0, 90)}`);
      continue;
    }
    lines.push(
      `${pad(name, 26)}${lpad(String(h.callers), 5)}${lpad(fmt(h.holdsPerSec, 1), 10)}${lpad(fmt(h.latencyMs.p50), 9)}${lpad(fmt(h.latencyMs.p99), 9)}${lpad("", 10)}${lpad(String(h.failed), 8)}` +
        `   (${h.accounts} account${h.accounts === 1 ? "" : "s"}; release ${fmt(h.releasesPerSec, 1)}/s; ledger violations ${h.ledgerViolations})`,
    );
  }
  lines.push("");
  for (const t of targets) {
    const v = t.value === null ? "n/a" : `${t.value} ${t.unit}`;
    lines.push(`${t.pass ? "PASS" : "FAIL"}  ${pad(t.id, 28)} ${pad(v, 18)} target ${t.target}${t.note ? `   ${t.note}` : ""}`);
  }
  for (const c of context) {
    const v = c.value === null ? "n/a" : `${c.value} ${c.unit}`;
    lines.push(`INFO  ${pad(c.id, 28)} ${pad(v, 18)} ${c.note ?? ""}`);
  }
  return lines.join("\n");
}
