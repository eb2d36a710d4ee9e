// The production server process `npm start` launches: lib/server (the gateway's fast lane in front
// of Next.js) on PORT, in TOLLGATE_WORKERS processes sharing the port.
import cluster from "node:cluster";
import { env } from "@/lib/env";
import { startServer } from "@/lib/server";
import { workerCount, WorkersConfigError } from "@/lib/server/workers";

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
  if (workers > 1 && cluster.isPrimary) {
    console.log(`[tollgate] starting ${workers} server processes on port ${e.PORT}`);
    for (let i = 0; i < workers; i++) cluster.fork();
    let stopping = false;
    cluster.on("exit", (worker, code, signal) => {
      if (stopping) return;
      console.error(`[tollgate] server process ${worker.process.pid} exited (${signal ?? code}); starting another`);
      cluster.fork();
    });
    const stop = () => {
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGTERM");
      setTimeout(() => process.exit(0), 5000).unref();
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    return;
  }
  const fastLane = e.TOLLGATE_FAST_LANE === "on";
  const s = await startServer({ port: e.PORT, hostname: "0.0.0.0", fastLane });
  if (cluster.isPrimary) console.log(`[tollgate] listening on port ${e.PORT}; /api/v1 via ${fastLane ? "the fast lane (node:http)" : "the App Router route handlers (TOLLGATE_FAST_LANE=off)"}`);
  const stop = () => void s.close().finally(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`[tollgate] server failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
