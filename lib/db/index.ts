// One database handle per process. DATABASE_URL → node-postgres pool; unset → embedded PGlite
// persisted under DATA_DIR. Both are PostgreSQL, so every query and migration is shared.
import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import * as schema from "@/db/schema";
import { env } from "@/lib/env";
import { errFields, log } from "@/lib/log";
import { serveOnSocket, socketAnswers, socketPath, SOCKET_PORT } from "./socket";

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle; accepts the same queries as Db. */
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type DbOrTx = Db | Tx;

export interface DbHandle {
  db: Db;
  kind: "postgres" | "pglite";
  /** Set when this is the embedded database reached through a running server's socket. */
  viaSocket?: string;
  close(): Promise<void>;
}

const MIGRATIONS_DIR = path.join(process.cwd(), "db", "migrations");
// Any fixed number; all instances agree on it so only one migrates at a time.
const MIGRATION_LOCK_ID = 7_246_310_001;

export async function openDb(opts: { databaseUrl?: string; socketDir?: string; dataDir?: string; poolSize?: number } = {}): Promise<DbHandle> {
  if (opts.databaseUrl || opts.socketDir) {
    const { Pool } = await import("pg");
    const { drizzle } = await import("drizzle-orm/node-postgres");
    const pool = opts.socketDir
      ? // A running server's embedded database (lib/db/socket.ts): one session, so one connection.
        new Pool({ host: opts.socketDir, port: SOCKET_PORT, user: "postgres", database: "postgres", max: 1 })
      : new Pool({ connectionString: opts.databaseUrl, max: opts.poolSize ?? 20 });
    // An idle connection dropped by the server (restart, failover, DROP DATABASE ... FORCE after
    // close) must not crash the process: without a listener pg re-throws it as an uncaught error.
    let closing = false;
    pool.on("error", (e) => {
      if (!closing) log("db").error(errFields(e), "idle connection lost");
    });
    const db = drizzle(pool, { schema }) as unknown as Db;
    return {
      db,
      kind: "postgres",
      viaSocket: opts.socketDir,
      close: async () => {
        closing = true;
        const { closePipelineFor } = await import("./pipeline");
        await closePipelineFor(pool);
        await pool.end();
      },
    };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  let client;
  if (opts.dataDir === ":memory:") {
    client = new PGlite();
  } else {
    const dir = path.resolve(opts.dataDir ?? ".data", "pglite");
    fs.mkdirSync(dir, { recursive: true });
    client = new PGlite(dir);
  }
  await client.waitReady;
  const db = drizzle(client, { schema }) as unknown as Db;
  return { db, kind: "pglite", close: () => client.close() };
}

/** The server's embedded database, also served on DATA_DIR's socket for the CLI. */
async function openServedPglite(dataDir: string): Promise<DbHandle> {
  const handle = await openDb({ dataDir });
  if (env().TOLLGATE_SKIP_MIGRATE !== "1") await migrate(handle);
  const client = (handle.db as unknown as { $client: import("@electric-sql/pglite").PGlite }).$client;
  const served = await serveOnSocket(client, dataDir);
  log("db").info({ socket: served.path }, "embedded database served on a local socket (the CLI connects there)");
  return {
    ...handle,
    close: async () => {
      await served.close();
      await handle.close();
    },
  };
}

export async function migrate(handle: DbHandle): Promise<void> {
  if (handle.kind === "postgres") {
    const { migrate: run } = await import("drizzle-orm/node-postgres/migrator");
    // Several instances may start at once; a session advisory lock serialises them.
    // It must be taken on the same connection that releases it, so use a dedicated client.
    const db = handle.db as unknown as { $client: import("pg").Pool };
    const client = await db.$client.connect();
    try {
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_ID]);
      const { drizzle } = await import("drizzle-orm/node-postgres");
      await run(drizzle(client), { migrationsFolder: MIGRATIONS_DIR });
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_ID]).catch(() => undefined);
      client.release();
    }
  } else {
    const { migrate: run } = await import("drizzle-orm/pglite/migrator");
    await run(handle.db as never, { migrationsFolder: MIGRATIONS_DIR });
  }
}

type GlobalWithDb = typeof globalThis & { __tollgateDb?: Promise<DbHandle> };
const g = globalThis as GlobalWithDb;

/** The process-wide handle, opened (and migrated) on first use from the environment. */
export function getDbHandle(): Promise<DbHandle> {
  if (!g.__tollgateDb) {
    g.__tollgateDb = (async () => {
      const { DATABASE_URL: databaseUrl, DATA_DIR: dataDir, TOLLGATE_PGLITE_SOCKET, TOLLGATE_SKIP_MIGRATE } = env();
      if (!databaseUrl && TOLLGATE_PGLITE_SOCKET === "1") return openServedPglite(dataDir);
      // The embedded database of a running server: go through its socket, it has migrated.
      if (!databaseUrl && dataDir !== ":memory:" && (await socketAnswers(socketPath(dataDir)))) {
        return openDb({ socketDir: path.resolve(dataDir) });
      }
      const handle = await openDb({ databaseUrl, dataDir });
      if (TOLLGATE_SKIP_MIGRATE !== "1") await migrate(handle);
      return handle;
    })();
    g.__tollgateDb.catch(() => {
      g.__tollgateDb = undefined;
    });
  }
  return g.__tollgateDb;
}

/**
 * The hot statements are cached plans that the planner rebuilds when autovacuum re-analyzes their
 * tables; a server without autovacuum keeps plans made for tables that have since grown (the
 * bench measured the gateway at half speed within a minute), and never reclaims dead rows.
 */
export async function warnWithoutAutovacuum(): Promise<void> {
  try {
    const handle = await getDbHandle();
    if (handle.kind !== "postgres") return;
    const r = await rows<{ autovacuum: string }>(handle.db, sql`SHOW autovacuum`);
    if (r[0]?.autovacuum === "off") {
      log("db").warn("PostgreSQL runs with autovacuum = off: turn it on (or VACUUM ANALYZE regularly), else the gateway slows down as its tables grow");
    }
  } catch {
    // a check, not a requirement
  }
}

export async function getDb(): Promise<Db> {
  return (await getDbHandle()).db;
}

/** Tests and the CLI install their own handle (a per-file database, say). */
export function setDbHandle(handle: DbHandle | undefined): void {
  g.__tollgateDb = handle ? Promise.resolve(handle) : undefined;
}

export async function closeDb(): Promise<void> {
  const current = g.__tollgateDb;
  g.__tollgateDb = undefined;
  if (current) await (await current).close();
}

/** Rows of a raw query, for both drivers (both return `{ rows }`). */
export async function rows<T = Record<string, unknown>>(db: DbOrTx, query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

export { schema, sql };
