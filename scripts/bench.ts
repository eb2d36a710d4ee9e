// `npm run bench`: Tollgate's performance benchmark, in one run.
//   1. builds the production app into .next-bench if missing or older than the sources;
//   2. a fresh database (own PostgreSQL database when DATABASE_URL is set, else PGlite in a temp dir),
//      seeded through the real lib functions (credits, a key with a custom RPM, high concurrency);
//   3. the mock upstream and `next start` as child processes (REDIS_URL used when set);
//   4. closed-loop HTTP phases: no-op route (framework floor), direct to the mock, through Tollgate —
//      non-streaming and streaming, concurrency 1 and 32 (scripts/bench/http-phases.ts);
//   5. lib/ledger placeHold throughput on one hot account and across 100 accounts;
//   6. bench/results.json (numbers, targets, pass/fail) and a table on stdout.
// Flags: --seconds N (measured seconds per phase, default 6), --warmup N (default 1),
// --server-warmup N (unmeasured load over every route before the first phase, default 12) or
// --no-server-warmup, --rounds N (each phase measured in N round-robin slices, default 3), --rebuild,
// --no-build, --skip-http, --skip-holds, --cpu-prof (V8 profile of the server into bench/tmp/prof),
// --diagnose (counts PostgreSQL/Redis round trips per request through counting proxies; as its
// latencies include the proxies, it writes bench/tmp/diagnose.json unless --out is given),
// --phases a,b (only HTTP phases whose name contains a or b, e.g. --phases tollgate.chat),
// --out FILE. Exit code 1 when a target fails or was not measured.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startCountingProxy, type CountingProxy } from "./bench/counting-proxy";
import { cpuSampler } from "./bench/cpu";
import { createBenchDatabase, seedBench, type BenchDatabase } from "./bench/database";
import { runHolds, type HoldsResult } from "./bench/holds";
import { MAX_TOKENS, OUTPUT_TOKENS, PROMPT, runHttpPhases, type RoundTrips } from "./bench/http-phases";
import { ensureBuild, startMockProcess, startNextProcess } from "./bench/processes";
import { evaluateContext, evaluateTargets, renderTable, type PhaseOutcome } from "./bench/report";

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
const ROUNDS = numberFlag("rounds", 3);
const SERVER_WARMUP_S = flag("no-server-warmup") ? 0 : numberFlag("server-warmup", 12);
const DIAGNOSE = flag("diagnose");
const TMP = path.join("bench", "tmp");
const OUT = stringFlag("out", DIAGNOSE ? path.join(TMP, "diagnose.json") : path.join("bench", "results.json"));
const HOT_CALLERS = 32;
const SPREAD_ACCOUNTS = 100;

const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

async function main(): Promise<number> {
  fs.mkdirSync(TMP, { recursive: true });
  const loadStart = os.loadavg();
  const stoppers: (() => Promise<void>)[] = [];
  let db: BenchDatabase | undefined;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await Promise.all(stoppers.map((stop) => stop()));
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
    let roundTrips: Record<string, RoundTrips> = {};
    if (!flag("skip-http")) {
      const proxies: { pg?: CountingProxy; redis?: CountingProxy } = {};
      if (DIAGNOSE) {
        if (db.databaseUrl) proxies.pg = await startCountingProxy(db.databaseUrl, "pg");
        if (process.env.REDIS_URL) proxies.redis = await startCountingProxy(process.env.REDIS_URL, "redis");
        if (!proxies.pg) log("--diagnose: PostgreSQL round trips are only counted with DATABASE_URL");
        for (const p of [proxies.pg, proxies.redis]) if (p) stoppers.push(() => p.close());
      }
      const mock = await startMockProcess(path.join(TMP, "mock.log"));
      stoppers.push(mock.stop);
      const serverEnv: NodeJS.ProcessEnv = {
        ...process.env,
        DATA_DIR: db.dataDir,
        MOCK_UPSTREAM_URL: mock.url,
        AUTH_SECRET: randomBytes(32).toString("base64url"),
        TOLLGATE_SKIP_MIGRATE: "1", // migrated above
        TOLLGATE_BENCH_ROUTES: "1", // app/api/noop/proxy
      };
      if (db.databaseUrl) serverEnv.DATABASE_URL = proxies.pg?.url ?? db.databaseUrl;
      else delete serverEnv.DATABASE_URL;
      if (proxies.redis) serverEnv.REDIS_URL = proxies.redis.url;
      const profDir = path.resolve(TMP, "prof");
      const app = await startNextProcess(serverEnv, path.join(TMP, "next.log"), flag("cpu-prof") ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : []);
      stoppers.push(app.stop);
      log(`mock upstream ${mock.url}, Tollgate ${app.url}`);
      const cpu = await cpuSampler({ serverPid: app.proc.pid, mockPid: mock.proc.pid, databaseUrl: db.databaseUrl });
      stoppers.push(() => cpu.close());
      ({ results: httpResults, roundTrips } = await runHttpPhases({
        mockUrl: mock.url,
        appUrl: app.url,
        gatewayKey: seeded.gateway.key,
        spreadKeys: seeded.gatewaySpread.map((a) => a.key),
        phaseS: PHASE_S,
        warmupS: WARMUP_S,
        serverWarmupS: SERVER_WARMUP_S,
        rounds: ROUNDS,
        cpu,
        proxies,
        only: stringFlag("phases", "").split(",").filter(Boolean),
        log,
      }));
      await cpu.close();
      await app.stop();
      await mock.stop();
      if (flag("cpu-prof")) log(`server CPU profile in ${profDir} (open in Chrome DevTools → Performance)`);
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
    const context = evaluateContext(httpResults);
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
        diagnose: DIAGNOSE,
        phaseSeconds: PHASE_S,
        warmupSeconds: WARMUP_S,
        serverWarmupSeconds: SERVER_WARMUP_S,
        rounds: ROUNDS,
        phaseScheduling: "each phase measured in `rounds` equal slices, round-robin over all phases",
        loadGenerator: "closed loop, node:http keep-alive agent, one connection per worker",
        request: { model: "mock-small", promptBytes: Buffer.byteLength(PROMPT), maxTokens: MAX_TOKENS, outputTokens: OUTPUT_TOKENS },
        holds: { callers: HOT_CALLERS, spreadAccounts: SPREAD_ACCOUNTS, minMicros: 1000, maxMicros: 10000 },
      },
      http: httpResults,
      ...(DIAGNOSE ? { diagnostics: { note: "latencies include counting proxies in front of PostgreSQL/Redis", roundTripsPerRequest: roundTrips } } : {}),
      holds,
      targets,
      context,
      allTargetsPass: targets.every((t) => t.pass),
    };
    fs.mkdirSync(path.dirname(OUT), { recursive: true });
    fs.writeFileSync(OUT, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`\n${renderTable(httpResults, holds, targets, context)}\n\nwritten ${OUT}\n`);
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
