// A small in-process scheduler, started from instrumentation.ts in every app instance. Minute
// jobs run at each minute boundary; the daily expiry at 00:05 UTC (and once at start-up, to catch
// up after downtime — expiry is idempotent). Overlap between instances is handled per job (see
// ./lock.ts), so scaling out needs no separate worker.
import { getDbHandle, type DbHandle } from "@/lib/db";
import { runJob, type JobName } from "./registry";
import { errFields, log as logFor } from "@/lib/log";
import { metrics } from "@/lib/metrics";

const MINUTE_MS = 60_000;
const EVERY_MINUTE: JobName[] = ["holds:sweep", "notifications:low-balance", "models:notices", "notifications:email"];
const DAILY: JobName[] = ["credits:expire", "retention:purge", "accounts:erase"];
export const DAILY_AT_UTC = { hour: 0, minute: 5 };

export interface Scheduler {
  stop(): void;
  /** Runs the jobs due at `now` (exposed for tests); resolves when they finish. */
  tick(now?: Date): Promise<void>;
}

type G = typeof globalThis & { __tollgateScheduler?: Scheduler };

const jobsLog = () => logFor("jobs");

/** Job results carry bigint amounts, which JSON cannot: log them as decimal strings. */
function jsonSafe(data: unknown): unknown {
  return JSON.parse(JSON.stringify(data ?? null, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)));
}

function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The daily jobs are due once per UTC day, at/after 00:05. */
export function dailyDue(now: Date, lastRunDay: string | undefined): boolean {
  const minutes = now.getUTCHours() * 60 + now.getUTCMinutes();
  return minutes >= DAILY_AT_UTC.hour * 60 + DAILY_AT_UTC.minute && lastRunDay !== utcDay(now);
}

export function createScheduler(opts: { handle?: () => Promise<DbHandle>; log?: (msg: string, data?: unknown) => void; catchUpOnStart?: boolean } = {}): Scheduler {
  const handleOf = opts.handle ?? getDbHandle;
  const say = opts.log ?? ((msg, data) => jobsLog().info({ result: jsonSafe(data) }, msg));
  let lastDaily: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function run(name: JobName, now: Date): Promise<void> {
    try {
      const outcome = await runJob(await handleOf(), name, now);
      metrics().jobRuns.inc({ job: name, outcome: outcome.ran ? "ran" : "skipped" });
      if (!outcome.ran || !outcome.result) return;
      const didWork = Object.values(outcome.result).some((v) => v !== 0 && v !== BigInt(0) && v !== "0");
      if (didWork) say(`job ${name}`, outcome.result);
    } catch (e) {
      metrics().jobRuns.inc({ job: name, outcome: "failed" });
      jobsLog().error({ job: name, ...errFields(e) }, "job failed");
    }
  }

  async function tick(now: Date = new Date()): Promise<void> {
    const jobs = [...EVERY_MINUTE];
    if (dailyDue(now, lastDaily) || (opts.catchUpOnStart !== false && lastDaily === undefined)) {
      lastDaily = utcDay(now);
      jobs.push(...DAILY);
    }
    // Sequential: the jobs are small, and one connection at a time keeps the pool for requests.
    for (const name of jobs) await run(name, now);
  }

  function schedule(): void {
    if (stopped) return;
    const delay = MINUTE_MS - (Date.now() % MINUTE_MS) + 250;
    timer = setTimeout(() => {
      void tick().finally(schedule);
    }, delay);
    timer.unref();
  }

  schedule();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
    tick,
  };
}

/** Process-wide: calling it twice (dev reloads, several imports) starts one scheduler. */
export function startScheduler(): Scheduler {
  const g = globalThis as G;
  g.__tollgateScheduler ??= createScheduler();
  return g.__tollgateScheduler;
}

export function stopScheduler(): void {
  const g = globalThis as G;
  g.__tollgateScheduler?.stop();
  g.__tollgateScheduler = undefined;
}
