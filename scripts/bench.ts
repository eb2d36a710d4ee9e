// `npm run bench`: Tollgate's performance benchmark, in one run (bench/README.md).
//   1. builds the production app into .next-bench if missing or older than the sources;
//   2. a fresh database (own PostgreSQL database when DATABASE_URL is set, else PGlite in a temp dir),
//      seeded through the real lib functions;
//   3. child processes: the mock upstream, Tollgate as `npm start` runs it (fast lane), Tollgate with
//      TOLLGATE_FAST_LANE=off (INFO), and the peer — Portkey's open-source gateway — on the same mock;
//   4. closed-loop HTTP phases at concurrency 1 and 32, round-robin slices (scripts/bench/http-phases.ts);
//   5. a c32 soak with the server's RSS sampled, and a search of the server logs for uncaught exceptions;
//   6. lib/ledger placeHold throughput on one hot account and across 100 accounts;
//   7. bench/results.json (numbers, targets, pass/fail) and a table on stdout.
// Flags: --soak N / --no-soak, --workers N|auto, --no-portkey, --no-routes, --seconds N (measured seconds per phase, default 6), --warmup N (default 1),
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
import { consolePid, cpuSampler } from "./bench/cpu";
import { createBenchDatabase, seedBench, type BenchDatabase } from "./bench/database";
import { startVacuumStandIn } from "./bench/vacuum";
import { runHolds, type HoldsResult } from "./bench/holds";
import { chatBody, MAX_TOKENS, OUTPUT_TOKENS, PROMPT, runHttpPhases, type RoundTrips } from "./bench/http-phases";
import { runLoad } from "./bench/loadgen";
import { ensureBuild, rssMb, startMockProcess, startPortkeyProcess, startTollgateProcess } from "./bench/processes";
import { evaluateContext, evaluateTargets, renderTable, type PhaseOutcome, type SoakResult } from "./bench/report";

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
const SOAK_S = flag("no-soak") ? 0 : numberFlag("soak", 120);
const WORKERS = stringFlag("workers", "");
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
    let soak: SoakResult | { skipped: string } | undefined;
    let uncaught: number | undefined;
    let roundTrips: Record<string, RoundTrips> = {};
    let vacuumNote: string | null = null;
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
        TOLLGATE_BENCH_ROUTES: "1", // app/api/noop
      };
      if (db.databaseUrl) serverEnv.DATABASE_URL = proxies.pg?.url ?? db.databaseUrl;
      else delete serverEnv.DATABASE_URL;
      if (proxies.redis) serverEnv.REDIS_URL = proxies.redis.url;
      const profDir = path.resolve(TMP, "prof");
      const serverLog = path.join(TMP, "server.log");
      const routesLog = path.join(TMP, "server-routes.log");
      const app = await startTollgateProcess(serverEnv, serverLog, { fastLane: true, workers: WORKERS || undefined, nodeArgs: flag("cpu-prof") ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : [] });
      stoppers.push(app.stop);
      // The same app with TOLLGATE_FAST_LANE=off (INFO phases); its jobs stay off so one scheduler runs.
      const routesApp = flag("no-routes") ? null : await startTollgateProcess({ ...serverEnv, TOLLGATE_JOBS: "off" }, routesLog, { fastLane: false, workers: "1" });
      if (routesApp) stoppers.push(routesApp.stop);
      const portkey = flag("no-portkey") ? null : await startPortkeyProcess(path.join(TMP, "portkey.log"));
      if (portkey) stoppers.push(portkey.stop);
      log(`mock upstream ${mock.url}, Tollgate ${app.url}${routesApp ? `, route handlers ${routesApp.url}` : ""}${portkey ? `, Portkey ${portkey.url}` : ""}`);
      const vacuum = await startVacuumStandIn(db.databaseUrl, log);
      vacuumNote = vacuum.note;
      stoppers.push(() => vacuum.stop());
      const cpu = await cpuSampler({ serverPid: app.proc.pid, mockPid: mock.proc.pid, peerPid: portkey?.proc.pid, routesPid: routesApp?.proc.pid, redisPid: await localRedisPid(), databaseUrl: db.databaseUrl });
      stoppers.push(() => cpu.close());
      ({ results: httpResults, roundTrips } = await runHttpPhases({
        mockUrl: mock.url,
        appUrl: app.url,
        portkeyUrl: portkey?.url,
        routesUrl: routesApp?.url,
        // One process only: a signal to a cluster's primary would not reach the workers serving.
        toggleUsageEvents: !WORKERS || WORKERS === "1" ? () => app.proc.kill("SIGUSR2") : undefined,
        gatewayKey: seeded.gateway.key,
        spreadKeys: seeded.gatewaySpread.map((a) => a.key),
        phaseS: PHASE_S,
        warmupS: WARMUP_S,
        serverWarmupS: SERVER_WARMUP_S,
        afterServerWarmup: () => vacuum.now(),
        rounds: ROUNDS,
        cpu,
        proxies,
        only: stringFlag("phases", "").split(",").filter(Boolean),
        log,
      }));
      // A long c32 soak: the server's memory must level off, not grow with the calls it served.
      if (SOAK_S > 0 && !("skipped" in (httpResults["tollgate.chat.c32"] ?? { skipped: "" }))) {
        log(`soak: ${SOAK_S}s at concurrency 32, RSS sampled every 5 s…`);
        const samples: [number, number][] = [];
        const t0 = Date.now();
        const sampler = setInterval(() => {
          const mb = rssMb(app.proc.pid);
          if (mb !== null) samples.push([Math.round((Date.now() - t0) / 1000), mb]);
        }, 5000);
        const r = await runLoad(
          { url: `${app.url}/api/v1/chat/completions`, method: "POST", headers: { authorization: `Bearer ${seeded.gateway.key}`, "content-type": "application/json" }, body: chatBody(false) },
          { concurrency: 32, durationMs: SOAK_S * 1000, warmupMs: 0 },
        );
        clearInterval(sampler);
        const end = rssMb(app.proc.pid);
        if (end !== null) samples.push([Math.round((Date.now() - t0) / 1000), end]);
        const consoleMb = rssMb(consolePid(app.proc.pid)) ?? undefined;
        soak = { seconds: SOAK_S, concurrency: 32, rps: r.rps, errors: r.errors, rssMb: samples, ...(consoleMb !== undefined ? { consoleRssMb: consoleMb } : {}) };
        log(`soak: ${r.rps} req/s, RSS ${samples.map(([, mb]) => mb).join(" → ")} MB${consoleMb !== undefined ? `; console process ${consoleMb} MB` : ""}`);
      } else soak = { skipped: SOAK_S > 0 ? "Tollgate phases did not run" : "--no-soak" };
      await cpu.close();
      await vacuum.stop();
      await app.stop();
      await routesApp?.stop();
      await portkey?.stop();
      await mock.stop();
      // An uncaught exception in either server, at any point of the run, fails the bench.
      uncaught = 0;
      for (const f of [serverLog, routesLog]) {
        if (!fs.existsSync(f)) continue;
        uncaught += fs.readFileSync(f, "utf8").split("\n").filter((l) => /uncaughtException|unhandledRejection|Unhandled(Promise)?Rejection/i.test(l)).length;
      }
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

    const targets = evaluateTargets(httpResults, holds["holds.hot_account"], { soak, uncaughtInServerLog: uncaught });
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
        server: "scripts/server.ts as `npm start` runs it: /api/v1 through the node:http fast lane in front of Next.js",
        workers: WORKERS || "default (TOLLGATE_WORKERS unset: 1)",
        peer: "Portkey open-source gateway (@portkey-ai/gateway start-server.js --port=N), headers x-portkey-provider: openai, x-portkey-custom-host: <mock>/v1",
        database: db.kind,
        ...(vacuumNote ? { vacuum: vacuumNote } : {}),
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
      soak,
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

/** PostgreSQL's CPU is read from /proc; Redis's too when it runs on this machine. */
async function localRedisPid(): Promise<number | undefined> {
  const url = process.env.REDIS_URL;
  if (!url || !/^redis:\/\/(127\.0\.0\.1|localhost)(:|\/|$)/.test(url)) return undefined;
  const { default: Redis } = await import("ioredis");
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const m = /process_id:(\d+)/.exec(await client.info("server"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}
