// Per-provider circuit breaker (per instance). After CIRCUIT_FAILURE_THRESHOLD consecutive
// failures (5xx, connect errors, timeouts) the circuit opens for CIRCUIT_COOLDOWN_MS and calls
// fail fast with 503; then one trial call is let through (half-open) and decides.
import { gatewayConfig } from "./config";

interface Circuit {
  failures: number;
  openUntil: number;
  /** A half-open trial is out until this time (a trial that never reports frees up then). */
  trialUntil: number;
}

type G = typeof globalThis & { __tollgateCircuits?: Map<string, Circuit> };
const g = globalThis as G;
function circuits(): Map<string, Circuit> {
  g.__tollgateCircuits ??= new Map();
  return g.__tollgateCircuits;
}

function get(name: string): Circuit {
  let c = circuits().get(name);
  if (!c) {
    c = { failures: 0, openUntil: 0, trialUntil: 0 };
    circuits().set(name, c);
  }
  return c;
}

/** May a call go out now? Marks the half-open trial when it is the one let through. */
export function breakerAllows(name: string, now = Date.now()): boolean {
  const c = get(name);
  if (c.failures < gatewayConfig.breakerThreshold()) return true;
  if (now < c.openUntil) return false;
  if (now < c.trialUntil) return false;
  c.trialUntil = now + gatewayConfig.breakerCooldownMs();
  return true;
}

export function breakerSuccess(name: string): void {
  const c = get(name);
  c.failures = 0;
  c.openUntil = 0;
  c.trialUntil = 0;
}

export function breakerFailure(name: string, now = Date.now()): void {
  const c = get(name);
  c.failures += 1;
  c.trialUntil = 0;
  if (c.failures >= gatewayConfig.breakerThreshold()) c.openUntil = now + gatewayConfig.breakerCooldownMs();
}

export function breakerState(name: string, now = Date.now()): "closed" | "open" | "half_open" {
  const c = get(name);
  if (c.failures < gatewayConfig.breakerThreshold()) return "closed";
  return now < c.openUntil ? "open" : "half_open";
}

/** Every provider's circuit on this instance (the metrics read it at scrape time). */
export function* breakerStates(now = Date.now()): Generator<[string, "closed" | "open" | "half_open"]> {
  for (const name of circuits().keys()) yield [name, breakerState(name, now)];
}

/** Tests reset the breakers between scenarios. */
export function resetBreakers(): void {
  circuits().clear();
}
