// The production server process `npm start` launches: lib/server (the gateway's fast lane in front
// of Next.js) on PORT, in TOLLGATE_WORKERS processes sharing the port. With external stores the
// console (Next.js) runs in one process of its own behind them (lib/server/console.ts), started
// by the primary. SIGTERM drains each process (lib/server/drain.ts) before it exits; the primary
// waits for its workers, then stops the console.
import cluster from "node:cluster";
import { closeDb, warnWithoutAutovacuum } from "@/lib/db";
import { env } from "@/lib/env";
import { errFields, log } from "@/lib/log";
import { joinClusterMetrics, serveClusterMetrics } from "@/lib/metrics/cluster";
import { startServer } from "@/lib/server";
import { toggleUsageEventsForBench } from "@/lib/usage/events";
import { separateConsole, spawnConsole, type ConsoleProcess } from "@/lib/server/console";
import { workerCount, WorkersConfigError } from "@/lib/server/workers";
import { initTracing, shutdownTracing } from "@/lib/tracing";

const serverLog = () => log("server");

async function main(): Promise<void> {
  const e = env();
  let workers: number;
  try {
    workers = workerCount(e);
  } catch (err) {
    if (err instanceof WorkersConfigError) {
      process.stderr.write(`[tollgate] ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  if (e.TOLLGATE_BENCH_ROUTES === "1") {
    // The bench's control for what usage events cost: the same process with and without them.
    process.on("SIGUSR2", () => {
      const recording = toggleUsageEventsForBench();
      serverLog().warn({ recording }, recording ? "usage events recorded again (bench)" : "usage events paused by the bench (SIGUSR2)");
    });
  }
  // The primary starts the console process; workers inherit its socket.
  let consoleProcess: ConsoleProcess | null = null;
  if (cluster.isPrimary && separateConsole(e)) {
    consoleProcess = await spawnConsole();
    process.env.TOLLGATE_CONSOLE_SOCKET = consoleProcess.socketPath; // for the cluster workers forked below
    serverLog().info({ pid: consoleProcess.pid() }, "console (Next.js) running in its own process");
  }
  const stopConsole = () => consoleProcess?.stop(e.TOLLGATE_DRAIN_TIMEOUT_MS + 5_000) ?? Promise.resolve();
  if (workers > 1 && cluster.isPrimary) {
    serverLog().info({ workers, port: e.PORT }, `starting ${workers} server processes on port ${e.PORT}`);
    serveClusterMetrics();
    for (let i = 0; i < workers; i++) cluster.fork();
    let stopping = false;
    let draining = 0;
    cluster.on("exit", (worker, code, signal) => {
      if (stopping) {
        if (--draining <= 0) void stopConsole().then(() => process.exit(0));
        return;
      }
      serverLog().error({ pid: worker.process.pid, code, signal }, "server process exited; starting another");
      cluster.fork();
    });
    const stop = () => {
      if (stopping) return;
      stopping = true;
      const live = Object.values(cluster.workers ?? {}).filter((w) => w && !w.isDead());
      draining = live.length;
      if (draining === 0) void stopConsole().then(() => process.exit(0));
      for (const w of live) w!.process.kill("SIGTERM");
      // Each worker drains for up to TOLLGATE_DRAIN_TIMEOUT_MS; give them that and a little more.
      setTimeout(() => process.exit(1), e.TOLLGATE_DRAIN_TIMEOUT_MS + 10_000).unref();
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    return;
  }
  if (cluster.isWorker) joinClusterMetrics();
  await initTracing();
  const fastLane = e.TOLLGATE_FAST_LANE === "on";
  const consoleSocket = consoleProcess?.socketPath ?? e.TOLLGATE_CONSOLE_SOCKET;
  const s = await startServer({ port: e.PORT, hostname: "0.0.0.0", fastLane, consoleSocket });
  if (cluster.isPrimary) serverLog().info({ port: e.PORT, fastLane }, `listening on port ${e.PORT}; /api/v1 via ${fastLane ? "the fast lane (node:http)" : "the App Router route handlers (TOLLGATE_FAST_LANE=off)"}`);
  // The server's own check (the CLI shares the database code, and its stdout is its output).
  if (cluster.isPrimary || cluster.worker?.id === 1) void warnWithoutAutovacuum();
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void s
      .drain(e.TOLLGATE_DRAIN_TIMEOUT_MS)
      .then(async () => {
        await stopConsole();
        await shutdownTracing();
        await closeDb();
        process.exit(0);
      })
      .catch((err: unknown) => {
        serverLog().error(errFields(err), "drain failed");
        process.exit(1);
      });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`[tollgate] server failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
