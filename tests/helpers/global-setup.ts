// Runs once per `vitest run`: prepares the migrated template database on real PostgreSQL.
import { migrate, openDb } from "../../lib/db";
import { templateName, urlForDatabase, withAdminClient } from "./pg-template";

export default async function setup(): Promise<void> {
  const baseUrl = process.env.DATABASE_URL;
  if (!baseUrl) return;
  const name = templateName();
  const exists = await withAdminClient(baseUrl, async (c) => {
    const r = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    return r.rowCount! > 0;
  });
  if (exists) return;
  const building = `${name}_build_${process.pid}`;
  await withAdminClient(baseUrl, (c) => c.query(`CREATE DATABASE "${building}"`));
  const handle = await openDb({ databaseUrl: urlForDatabase(baseUrl, building), poolSize: 1 });
  await migrate(handle);
  await handle.close();
  await withAdminClient(baseUrl, async (c) => {
    try {
      await c.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
    } catch {
      // Another run built the same template first; ours is redundant.
      await c.query(`DROP DATABASE IF EXISTS "${building}"`);
    }
  });
}
