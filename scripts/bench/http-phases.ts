// The HTTP phases: no-op route (framework floor), the mock directly, and Tollgate — non-streaming
// and streaming, at concurrency 1 and 32 — each with CPU time per request per process and, with
// --diagnose, database/Redis round trips per request.
import http from "node:http";
import type { CountingProxy } from "./counting-proxy";
import { cpuPerRequest, EMPTY_CPU, type CpuSampler, type CpuSnapshot } from "./cpu";
import { mergeRuns, runLoad, runLoadRaw, sendOnce, type HttpTarget, type RawRun } from "./loadgen";
import type { PhaseOutcome } from "./report";

// A typical short chat call; the mock answers 16 tokens, each its own SSE chunk when streaming.
export const PROMPT = "Benchmark request: summarise the quarterly report in one short paragraph, please.";
export const OUTPUT_TOKENS = 16;
export const MAX_TOKENS = 64;

export const chatBody = (stream: boolean) =>
  JSON.stringify({
    model: "mock-small",
    messages: [{ role: "user", content: PROMPT }],
    max_tokens: MAX_TOKENS,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });

const validateChat = (_: number, body: string) => (/"completion_tokens":\s*16\b/.test(body) ? null : `unexpected body: ${body.slice(0, 200)}`);
const validateStream = (_: number, body: string) => {
  const pieces = body.split('tok"').length - 1;
  if (pieces !== OUTPUT_TOKENS) return `stream delivered ${pieces} tokens, expected ${OUTPUT_TOKENS}: ${body.slice(-200)}`;
  return body.includes("data: [DONE]") ? null : `stream without [DONE]: ${body.slice(-200)}`;
};
const validateModels = (status: number, body: string) => (status === 200 && body.includes('"object":"list"') ? null : `unexpected answer ${status}: ${body.slice(0, 200)}`);
const validateNoop = (_: number, body: string) => (body.includes('"ok":true') ? null : `unexpected body: ${body.slice(0, 200)}`);

function chatTarget(base: string, key: string, stream: boolean): HttpTarget {
  return {
    url: `${base}/chat/completions`,
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: chatBody(stream),
    validate: stream ? validateStream : validateChat,
  };
}

/** One request before the Tollgate phases: a clear reason instead of a phase full of errors. */
async function probe(target: HttpTarget): Promise<string | null> {
  const agent = new http.Agent({ keepAlive: false });
  try {
    const r = await sendOnce(agent, target);
    if (r.status !== 200) return `probe got HTTP ${r.status}: ${r.body.slice(0, 200)}`;
    return target.validate?.(r.status, r.body) ?? null;
  } catch (e) {
    return `probe failed: ${e instanceof Error ? e.message : String(e)}`;
  } finally {
    agent.destroy();
  }
}

export interface RoundTrips {
  pgRoundTrips?: number;
  pgMessages?: number;
  redisCommands?: number;
  redisWrites?: number;
}

export interface HttpPhaseOptions {
  mockUrl: string;
  appUrl: string;
  /** Portkey's gateway in front of the same mock (the peer). */
  portkeyUrl?: string;
  /** A second Tollgate with TOLLGATE_FAST_LANE=off: /api/v1 through the App Router (INFO). */
  routesUrl?: string;
  /**
   * Switches the Tollgate server's usage events off or back on (SIGUSR2, bench builds only): the
   * control phase for what recording costs runs on the same process, warm, interleaved.
   */
  toggleUsageEvents?: () => void;
  gatewayKey: string;
  /** Keys of distinct accounts, one per worker, for the informative tollgate.chat.c32.spread phase. */
  spreadKeys: string[];
  phaseS: number;
  warmupS: number;
  /** Each phase's measured time is split into this many slices, taken round-robin. */
  rounds: number;
  /** Seconds of unmeasured load over every route before the first phase (JIT warm-up). */
  serverWarmupS: number;
  /** Runs once the server warm-up is over, before the first measured phase. */
  afterServerWarmup?: () => Promise<void>;
  cpu: CpuSampler;
  proxies: { pg?: CountingProxy; redis?: CountingProxy };
  /** Only phases whose name contains one of these (all when empty). */
  only: string[];
  log: (s: string) => void;
}

export async function runHttpPhases(o: HttpPhaseOptions): Promise<{ results: Record<string, PhaseOutcome>; roundTrips: Record<string, RoundTrips> }> {
  const direct = (stream: boolean) => chatTarget(`${o.mockUrl}/v1`, "bench-direct", stream);
  const tollgate = (stream: boolean) => chatTarget(`${o.appUrl}/api/v1`, o.gatewayKey, stream);
  const portkey: HttpTarget | null = o.portkeyUrl
    ? {
        ...chatTarget(`${o.portkeyUrl}/v1`, "bench-portkey", false),
        headers: { authorization: "Bearer bench-portkey", "content-type": "application/json", "x-portkey-provider": "openai", "x-portkey-custom-host": `${o.mockUrl}/v1` },
      }
    : null;
  const routes = o.routesUrl ? chatTarget(`${o.routesUrl}/api/v1`, o.gatewayKey, false) : null;
  const models = (base: string): HttpTarget => ({ url: `${base}/api/v1/models`, method: "GET", headers: { authorization: `Bearer ${o.gatewayKey}` }, validate: validateModels });
  const noop: HttpTarget = { url: `${o.appUrl}/api/noop`, method: "POST", headers: { "content-type": "application/json" }, body: chatBody(false), validate: validateNoop };

  const tollgateProblem = (await probe(tollgate(false))) ?? (await probe(tollgate(true)));
  if (tollgateProblem) o.log(`Tollgate phases skipped: ${tollgateProblem}`);

  // A long-running server is measured, not a cold one: V8 compiles the request path in tiers over
  // the first few thousand calls, so without this the first phase through each route (noop.c1,
  // tollgate.chat.c1) would be charged for JIT compilation that later phases get for free.
  if (o.serverWarmupS > 0) {
    const warm = [noop, ...(tollgateProblem ? [] : [tollgate(false), tollgate(true)]), ...(portkey ? [portkey] : []), ...(routes && !tollgateProblem ? [routes] : []), ...(!tollgateProblem ? [models(o.appUrl)] : [])];
    const slice = (o.serverWarmupS * 1000) / (warm.length * 2);
    o.log(`server warm-up (${o.serverWarmupS}s over ${warm.length} routes, not measured)…`);
    // Heavy load first: the light one last leaves the database calm for the c1 phases.
    for (const concurrency of [32, 1]) {
      for (const route of warm) await runLoad(route, { concurrency, durationMs: slice, warmupMs: 0 });
    }
  }
  await o.afterServerWarmup?.();

  type Target = HttpTarget | ((worker: number) => HttpTarget);
  // [name, target, concurrency, through Tollgate, switch flipped for the phase and back after it,
  //  share of a slice (default 1)]; a name listed twice runs twice per round, its runs merged.
  type PlanEntry = [string, Target, number, boolean, (() => void)?, number?];
  const plan: PlanEntry[] = [];
  for (const c of [1, 32]) {
    plan.push([`direct.chat.c${c}`, direct(false), c, false]);
    plan.push([`tollgate.chat.c${c}`, tollgate(false), c, true]);
    if (portkey) plan.push([`portkey.chat.c${c}`, portkey, c, false]);
    if (routes) plan.push([`routes.chat.c${c}`, routes, c, true]);
    plan.push([`direct.stream.c${c}`, direct(true), c, false]);
    plan.push([`tollgate.stream.c${c}`, tollgate(true), c, true]);
  }
  // INFO: a read-only call that books no money — its only database work is its usage event
  // (batched, lib/usage/events.ts), so the phase shows what recording every request costs.
  // With and without usage events, in half slices ordered A B B A in every round: a drift of the
  // machine's speed within the round then weighs on both sides alike (the target compares them
  // round by round, see report.ts).
  if (o.toggleUsageEvents) {
    const withEvents: PlanEntry = [`tollgate.models.c32`, models(o.appUrl), 32, true, undefined, 0.5];
    const without: PlanEntry = [`tollgate.models.c32.no-events`, models(o.appUrl), 32, true, o.toggleUsageEvents, 0.5];
    plan.push(withEvents, without, without, withEvents);
  } else {
    plan.push([`tollgate.models.c32`, models(o.appUrl), 32, true]);
  }
  // Next.js's own floor on this machine (INFO): a no-op App Router route.
  plan.push([`noop.c32`, noop, 32, false]);
  // Not a target: the same load spread over 32 accounts shows how much the single hot account
  // (its row lock, taken by every hold and settlement) limits the c32 numbers.
  if (o.spreadKeys.length) {
    plan.push([`tollgate.chat.c32.spread`, (w: number) => chatTarget(`${o.appUrl}/api/v1`, o.spreadKeys[w % o.spreadKeys.length], false), 32, true]);
  }
  const results: Record<string, PhaseOutcome> = {};
  const roundTrips: Record<string, RoundTrips> = {};
  const todo = plan.filter(([name, , , viaTollgate]) => {
    if (o.only.length && !o.only.some((part) => name.includes(part))) return false;
    if (viaTollgate && tollgateProblem) {
      results[name] = { skipped: tollgateProblem };
      return false;
    }
    return true;
  });

  // Every phase is measured in `rounds` slices, taken round-robin within its concurrency group:
  // this machine's speed drifts by tens of percent over minutes, and a target compares two
  // phases (Tollgate against direct, against the no-op floor), so both halves of a comparison
  // must be measured across the same stretch of time. The concurrency-1 group goes first, on its
  // own: after the concurrency-32 phases PostgreSQL is busy for a while (autovacuum of the rows
  // they wrote, checkpoints), which would otherwise land in the latency-sensitive c1 slices.
  type Acc = { runs: RawRun[]; cpu: CpuSnapshot; pg: { roundTrips: number; messages: number }; redis: { roundTrips: number; messages: number } };
  const acc = new Map<string, Acc>();
  const rounds = Math.max(1, Math.floor(o.rounds));
  const sliceMs = (o.phaseS * 1000) / rounds;
  const groups = [todo.filter(([, , c]) => c === 1), todo.filter(([, , c]) => c !== 1)].filter((g) => g.length > 0);
  const warmed = new Set<string>();
  for (const group of groups) {
    for (let round = 0; round < rounds; round++) {
      o.log(`round ${round + 1}/${rounds}: ${group.length} phases × ${Math.round(sliceMs) / 1000}s…`);
      for (const [name, target, concurrency, , flip, share] of group) {
        if (flip) {
          flip();
          await new Promise((res) => setTimeout(res, 100));
        }
        const pg0 = o.proxies.pg?.snapshot();
        const redis0 = o.proxies.redis?.snapshot();
        const cpu0 = await o.cpu.snapshot();
        // A full warm-up the first time; later slices only re-open their keep-alive connections.
        const warmupMs = !warmed.has(name) ? o.warmupS * 1000 : Math.min(300, o.warmupS * 1000);
        warmed.add(name);
        const run = await runLoadRaw(target, { concurrency, durationMs: sliceMs * (share ?? 1), warmupMs });
        // Work a handler does after its response (settling a finished stream) still belongs to it.
        await new Promise((res) => setTimeout(res, 250));
        const cpu1 = await o.cpu.snapshot();
        if (flip) {
          flip();
          await new Promise((res) => setTimeout(res, 100));
        }
        const a = acc.get(name) ?? { runs: [], cpu: { ...EMPTY_CPU }, pg: { roundTrips: 0, messages: 0 }, redis: { roundTrips: 0, messages: 0 } };
        a.runs.push(run);
        a.cpu = addCpu(a.cpu, cpu0, cpu1);
        const pg1 = o.proxies.pg?.snapshot();
        const redis1 = o.proxies.redis?.snapshot();
        if (pg0 && pg1) a.pg = { roundTrips: a.pg.roundTrips + pg1.roundTrips - pg0.roundTrips, messages: a.pg.messages + pg1.messages - pg0.messages };
        if (redis0 && redis1) a.redis = { roundTrips: a.redis.roundTrips + redis1.roundTrips - redis0.roundTrips, messages: a.redis.messages + redis1.messages - redis0.messages };
        acc.set(name, a);
      }
    }
  }

  for (const [name, , , viaTollgate] of todo) {
    const a = acc.get(name);
    if (!a || results[name]) continue;
    const r = mergeRuns(a.runs);
    const all = cpuPerRequest(EMPTY_CPU, a.cpu, r.sent);
    // Each phase reports the processes on its path; "server" is the gateway it measures.
    const cpu: typeof all = {};
    const server = name.startsWith("portkey.") ? all.peer : name.startsWith("routes.") ? all.routes : name.startsWith("direct.") ? undefined : all.server;
    if (server !== undefined) cpu.server = server;
    if (name.startsWith("noop.") && all.console !== undefined) cpu.console = all.console;
    if (!name.startsWith("noop.")) cpu.mock = all.mock;
    // The no-op phase does no database work: its PostgreSQL CPU is the background (autovacuum
    // after the write-heavy phases, jobs), which the usage-event share subtracts.
    if (viaTollgate || name.startsWith("noop.")) {
      if (all.postgres !== undefined) cpu.postgres = all.postgres;
      if (all.redis !== undefined) cpu.redis = all.redis;
    }
    cpu.loadgen = all.loadgen;
    if (all.machine !== undefined) cpu.machine = all.machine;
    results[name] = { ...r, cpuMsPerRequest: cpu };
    o.log(`${name}: ${r.rps} req/s  p50 ${r.latencyMs.p50} ms  p99 ${r.latencyMs.p99} ms  errors ${r.errors}${r.errors ? ` e.g. ${r.errorSamples[0]}` : ""}  cpu ms/req ${JSON.stringify(cpu)}`);
    if (viaTollgate && (o.proxies.pg || o.proxies.redis)) {
      const per = (v: number) => Math.round((v / Math.max(1, r.sent)) * 100) / 100;
      roundTrips[name] = {
        ...(o.proxies.pg ? { pgRoundTrips: per(a.pg.roundTrips), pgMessages: per(a.pg.messages) } : {}),
        ...(o.proxies.redis ? { redisCommands: per(a.redis.messages), redisWrites: per(a.redis.roundTrips) } : {}),
      };
      o.log(`  per request: ${JSON.stringify(roundTrips[name])}`);
    }
  }
  return { results, roundTrips };
}

/** acc + (b − a), per process; a process measured in neither stays null. */
function addCpu(acc: CpuSnapshot, a: CpuSnapshot, b: CpuSnapshot): CpuSnapshot {
  const add = (sum: number | null, x: number | null, y: number | null) => (sum === null || x === null || y === null ? null : sum + (y - x));
  return {
    server: add(acc.server, a.server, b.server),
    console: add(acc.console, a.console, b.console),
    peer: add(acc.peer, a.peer, b.peer),
    routes: add(acc.routes, a.routes, b.routes),
    mock: add(acc.mock, a.mock, b.mock),
    postgres: add(acc.postgres, a.postgres, b.postgres),
    redis: add(acc.redis, a.redis, b.redis),
    loadgen: acc.loadgen + (b.loadgen - a.loadgen),
    machine: add(acc.machine, a.machine, b.machine),
  };
}
