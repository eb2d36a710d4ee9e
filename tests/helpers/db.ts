// A fresh, migrated database for one test file: a clone of the template on real PostgreSQL
// when DATABASE_URL is set, an in-memory PGlite otherwise. It becomes the process-wide handle.
import { randomBytes } from "node:crypto";
import { migrate, openDb, setDbHandle, type DbHandle } from "../../lib/db";
import { templateName, urlForDatabase, withAdminClient } from "./pg-template";

export interface TestDb extends DbHandle {
  /** Connection string of this file's database (undefined for PGlite). */
  url?: string;
  /** Drops the database (PostgreSQL) and closes the handle. */
  dispose(): Promise<void>;
}

export async function createTestDb(opts: { install?: boolean; poolSize?: number } = {}): Promise<TestDb> {
  const baseUrl = process.env.DATABASE_URL;
  let handle: TestDb;
  if (baseUrl) {
    const name = `tollgate_t_${randomBytes(6).toString("hex")}`;
    await withAdminClient(baseUrl, async (c) => {
      for (let attempt = 0; ; attempt++) {
        try {
          await c.query(`CREATE DATABASE "${name}" TEMPLATE "${templateName()}"`);
          return;
        } catch (e) {
          // Concurrent clones of one template can briefly collide; retry.
          if (attempt >= 20) throw e;
          await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
        }
      }
    });
    const url = urlForDatabase(baseUrl, name);
    const inner = await openDb({ databaseUrl: url, poolSize: opts.poolSize ?? 20 });
    handle = {
      ...inner,
      url,
      dispose: async () => {
        await inner.close();
        await withAdminClient(baseUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).catch(() => undefined);
      },
    };
  } else {
    const inner = await openDb({ dataDir: ":memory:" });
    await migrate(inner);
    handle = { ...inner, dispose: () => inner.close() };
  }
  if (opts.install !== false) setDbHandle(handle);
  return handle;
}

/** A unique Redis key prefix per test file so parallel files never share limiter state. */
export function testRedisPrefix(): string {
  return `tgtest:${randomBytes(4).toString("hex")}`;
}
