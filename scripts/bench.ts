// `npm run bench`: Tollgate's performance benchmark, in one run.
//   1. builds the production app into .next-bench if missing or older than the sources;
//   2. a fresh database (own PostgreSQL database when DATABASE_URL is set, else PGlite in a temp dir),
//      seeded through the real lib functions (credits, a key with a custom RPM, high concurrency);
//   3. the mock upstream and `next start` as child processes (REDIS_URL used when set);
//   4. closed-loop HTTP phases: no-op route (framework floor), direct to the mock, through Tollgate —
//      non-streaming and streaming, concurrency 1 and 32;
//   5. lib/ledger placeHold throughput on one hot account and across 100 accounts;
//   6. bench/results.json (numbers, targets, pass/fail) and a table on stdout.
// Flags: --seconds N (measured seconds per phase, default 6), --warmup N (default 1), --rebuild,
// --no-build, --skip-http, --skip-holds, --cpu-prof (profiles the server into bench/tmp/prof),
// --out FILE. Exit code 1 when a target fails or was not measured.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { createBenchDatabase, seedBench, type BenchDatabase, type Seeded } from "./bench/database";
import { runHolds, type HoldsResult } from "./bench/holds";
import { runLoad, sendOnce, type HttpTarget } from "./bench/loadgen";
import { startMockProcess, startNextProcess, ensureBuild, type Child } from "./bench/processes";
import { evaluateTargets, renderTable, type PhaseOutcome } from "./bench/report";

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
function numberFlag(name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} needs a positive number`);
  return v;
}
function stringFlag(name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
}

const PHASE_S = numberFlag("seconds", 6);
const WARMUP_S = numberFlag("warmup", 1);
const OUT = stringFlag("out", path.join("bench", "results.json"));
const TMP = path.join("bench", "tmp");
const HOT_CALLERS = 32;
const SPREAD_ACCOUNTS = 100;

const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

// A typical short chat call; the mock answers 16 tokens, each its own SSE chunk when streaming.
const PROMPT = "Benchmark request: summarise the quarterly report in one short paragraph, please.";
const OUTPUT_TOKENS = 16;
const MAX_TOKENS = 64;
const chatBody = (stream: boolean) =>
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

/** One request through Tollgate before its phases: a clear reason instead of 30 s of errors. */
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

async function httpPhases(mockUrl: string, appUrl: string, seeded: Seeded): Promise<Record<string, PhaseOutcome>> {
  const direct = (stream: boolean) => chatTarget(`${mockUrl}/v1`, "bench-direct", stream);
  const tollgate = (stream: boolean) => chatTarget(`${appUrl}/api/v1`, seeded.gateway.key, stream);
  const noop: HttpTarget = { url: `${appUrl}/api/noop`, method: "POST", headers: { "content-type": "application/json" }, body: chatBody(false), validate: validateNoop };

  const tollgateProblem = (await probe(tollgate(false))) ?? (await probe(tollgate(true)));
  if (tollgateProblem) log(`Tollgate phases skipped: ${tollgateProblem}`);

  const plan: [string, HttpTarget, number, boolean][] = [];
  for (const c of [1, 32]) {
    plan.push([`noop.c${c}`, noop, c, false]);
    plan.push([`direct.chat.c${c}`, direct(false), c, false]);
    plan.push([`tollgate.chat.c${c}`, tollgate(false), c, true]);
    plan.push([`direct.stream.c${c}`, direct(true), c, false]);
    plan.push([`tollgate.stream.c${c}`, tollgate(true), c, true]);
  }
  const results: Record<string, PhaseOutcome> = {};
  for (const [name, target, concurrency, viaTollgate] of plan) {
    if (viaTollgate && tollgateProblem) {
      results[name] = { skipped: tollgateProblem };
      continue;
    }
    log(`phase ${name} (${PHASE_S}s)…`);
    const r = await runLoad(target, { concurrency, durationMs: PHASE_S * 1000, warmupMs: WARMUP_S * 1000 });
    results[name] = r;
    log(`  ${r.rps} req/s  p50 ${r.latencyMs.p50} ms  p99 ${r.latencyMs.p99} ms  errors ${r.errors}${r.errors ? ` e.g. ${r.errorSamples[0]}` : ""}`);
  }
  return results;
}

async function main(): Promise<number> {
  fs.mkdirSync(TMP, { recursive: true });
  const loadStart = os.loadavg();
  const children: Child[] = [];
  let db: BenchDatabase | undefined;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await Promise.all(children.map((c) => c.stop()));
    await db?.drop();
  };
  const onSignal = () => {
    log("interrupted: stopping children and dropping the bench database…");
    void cleanup().finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    if (!flag("skip-http")) ensureBuild({ force: flag("rebuild"), skip: flag("no-build"), log });
    db = await createBenchDatabase(process.env.DATABASE_URL || undefined);
    log(`database: ${db.kind}${db.databaseUrl ? ` (${new URL(db.databaseUrl).pathname.slice(1)})` : ` (${db.dataDir})`}; redis: ${process.env.REDIS_URL ? "REDIS_URL" : "in-process"}`);
    let handle = await db.open();
    const seeded = await seedBench(handle.db, SPREAD_ACCOUNTS);
    await handle.close(); // PGlite allows one process at a time: the server gets it next

    let httpResults: Record<string, PhaseOutcome> = {};
    if (!flag("skip-http")) {
      const mock = await startMockProcess(path.join(TMP, "mock.log"));
      children.push(mock);
      const serverEnv: NodeJS.ProcessEnv = {
        ...process.env,
        DATA_DIR: db.dataDir,
        MOCK_UPSTREAM_URL: mock.url,
        AUTH_SECRET: randomBytes(32).toString("base64url"),
        TOLLGATE_SKIP_MIGRATE: "1", // migrated above
      };
      if (db.databaseUrl) serverEnv.DATABASE_URL = db.databaseUrl;
      else delete serverEnv.DATABASE_URL;
      const profDir = path.resolve(TMP, "prof");
      const app = await startNextProcess(serverEnv, path.join(TMP, "next.log"), flag("cpu-prof") ? `--cpu-prof --cpu-prof-dir=${profDir}` : undefined);
      children.push(app);
      log(`mock upstream ${mock.url}, Tollgate ${app.url}`);
      httpResults = await httpPhases(mock.url, app.url, seeded);
      await app.stop();
      await mock.stop();
      if (flag("cpu-prof")) log(`server CPU profiles in ${profDir}`);
    }

    const holds: Record<string, HoldsResult | { skipped: string }> = {};
    if (!flag("skip-holds")) {
      handle = await db.open(HOT_CALLERS + 8);
      const opts = { callers: HOT_CALLERS, durationMs: PHASE_S * 1000, warmupMs: WARMUP_S * 1000 };
      log(`phase holds.hot_account (${PHASE_S}s)…`);
      holds["holds.hot_account"] = await runHolds(handle.db, [seeded.hot], opts);
      log(`phase holds.${SPREAD_ACCOUNTS}_accounts (${PHASE_S}s)…`);
      holds[`holds.${SPREAD_ACCOUNTS}_accounts`] = await runHolds(handle.db, seeded.spread, opts);
      await handle.close();
    } else {
      holds["holds.hot_account"] = { skipped: "--skip-holds" };
    }

    const targets = evaluateTargets(httpResults, holds["holds.hot_account"]);
    const results = {
      generatedAt: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? "unknown",
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
        loadavgAtStart: loadStart.map((v) => Math.round(v * 100) / 100),
        loadavgAtEnd: os.loadavg().map((v) => Math.round(v * 100) / 100),
      },
      config: {
        database: db.kind,
        redis: process.env.REDIS_URL ? "redis" : "in-process (ioredis-mock)",
        phaseSeconds: PHASE_S,
        warmupSeconds: WARMUP_S,
        loadGenerator: "closed loop, node:http keep-alive agent, one connection per worker",
        request: { model: "mock-small", promptBytes: Buffer.byteLength(PROMPT), maxTokens: MAX_TOKENS, outputTokens: OUTPUT_TOKENS },
        holds: { callers: HOT_CALLERS, spreadAccounts: SPREAD_ACCOUNTS, minMicros: 1000, maxMicros: 10000 },
      },
      http: httpResults,
      holds,
      targets,
      allTargetsPass: targets.every((t) => t.pass),
    };
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    fs.writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`\n${renderTable(httpResults, holds, targets)}\n\nwritten ${OUT}\n`);
    return results.allTargetsPass ? 0 : 1;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(2);
  },
);
