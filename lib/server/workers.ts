// TOLLGATE_WORKERS: how many server processes share the port (node:cluster). Several processes
// need state they can share — PostgreSQL for money and Redis for rate limits — so with the
// embedded defaults (PGlite allows one process; the in-process limiter is per process) a value
// above 1 is refused. The default is 1: where the database shares the machine's cores, a second
// process has no idle core and adds lock contention on busy accounts (see the README).
import os from "node:os";
import type { Env } from "@/lib/env";

export class WorkersConfigError extends Error {}

export function workerCount(env: Pick<Env, "TOLLGATE_WORKERS" | "DATABASE_URL" | "REDIS_URL" | "UPSTASH_REDIS_REST_URL">, cores = os.availableParallelism()): number {
  const n = env.TOLLGATE_WORKERS === "auto" ? Math.max(1, cores) : env.TOLLGATE_WORKERS;
  if (n > 1) {
    const missing = [!env.DATABASE_URL && "DATABASE_URL (the embedded database allows one process)", !env.REDIS_URL && !env.UPSTASH_REDIS_REST_URL && "REDIS_URL or Upstash (the in-process rate limiter is per process)"].filter(Boolean);
    if (missing.length) throw new WorkersConfigError(`TOLLGATE_WORKERS=${env.TOLLGATE_WORKERS} (${n} processes) needs ${missing.join(" and ")}. Set them, or run one worker.`);
  }
  return n;
}
