// Autovacuum's stand-in for PostgreSQL servers that run with `autovacuum = off` (this machine's CI
// configuration does). A production database vacuums and analyzes the tables the gateway churns;
// without that, the bench database never gets statistics: the hot statements' cached plans stay
// those made when its tables were empty (a sequential scan of holds per settlement), and the
// gateway slows down as the tables grow — measured: 705 vs 1,468 req/s over a 60 s phase, with
// PostgreSQL spending 1.13 vs 0.23 ms per call.
//
// What it does, only when autovacuum is off: VACUUM (ANALYZE) the run's database right after the
// server warm-up (a production database has statistics before its first busy minute) and then
// every autovacuum_naptime (default 1 min), as autovacuum would. It runs while phases run, so its
// CPU is counted like autovacuum's would be.
import pg from "pg";

export interface VacuumStandIn {
  /** Why it runs (for the report), or null when the server autovacuums itself. */
  note: string | null;
  /** A pass now (after the warm-up); resolves when it is done. */
  now(): Promise<void>;
  stop(): Promise<void>;
}

export async function startVacuumStandIn(databaseUrl: string | undefined, log: (s: string) => void): Promise<VacuumStandIn> {
  const idle: VacuumStandIn = { note: null, now: async () => undefined, stop: async () => undefined };
  if (!databaseUrl) return idle; // PGlite: no autovacuum anyway, and one session at a time
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const setting = (await client.query<{ autovacuum: string }>("SHOW autovacuum")).rows[0]?.autovacuum;
  if (setting !== "off") {
    await client.end();
    return idle;
  }
  const naptime = (await client.query<{ s: string }>("SELECT setting AS s FROM pg_settings WHERE name = 'autovacuum_naptime'")).rows[0]?.s;
  const everyMs = Math.max(10, Number(naptime) || 60) * 1000;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const pass = () => {
    if (stopped) return running;
    running = running.then(() => client.query("VACUUM (ANALYZE)").then(() => undefined, (e: unknown) => log(`vacuum stand-in: ${String(e)}`)));
    return running;
  };
  const timer = setInterval(() => void pass(), everyMs);
  const note = `this PostgreSQL runs with autovacuum = off; the bench runs VACUUM (ANALYZE) after the server warm-up and every ${everyMs / 1000} s in its place`;
  log(note);
  return {
    note,
    now: pass,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await running;
      await client.end().catch(() => undefined);
    },
  };
}
