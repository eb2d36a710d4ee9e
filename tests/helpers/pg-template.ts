// Each test file gets its own PostgreSQL database, cloned from a migrated template whose name
// is derived from the migrations' content (so parallel runs and changed migrations never clash).
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import pg from "pg";

export function migrationsHash(): string {
  const dir = path.join(process.cwd(), "db", "migrations");
  const hash = createHash("sha256");
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".sql")).sort()) {
    hash.update(file).update(fs.readFileSync(path.join(dir, file)));
  }
  return hash.digest("hex").slice(0, 12);
}

export function templateName(): string {
  return `tollgate_tpl_${migrationsHash()}`;
}

export function urlForDatabase(baseUrl: string, database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withAdminClient<T>(baseUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: urlForDatabase(baseUrl, "postgres") });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
