// Hot-path statements compiled once. Drizzle turns an `sql` template into text + parameters on
// every call, and the gateway's two ledger statements are long CTEs: rebuilding and re-walking
// them per request is work whose result never changes, paid on the hottest path. A Prepared
// statement is written once with named placeholders (`p.accountId`), compiled to `$n` text on
// first use, and then only its parameter array is filled per call. It runs as a named prepared
// statement on node-postgres (parsed and planned once per connection, on the pipelined
// connections of lib/db/pipeline.ts); on PGlite or inside a transaction, as an ordinary query.
import { createHash } from "node:crypto";
import { Placeholder, sql, type SQL } from "drizzle-orm";
import { PgDialect, PgTransaction } from "drizzle-orm/pg-core";
import { rows, type DbOrTx } from "./index";
import { pipelineFor } from "./pipeline";

type Slot = { name: string } | { value: unknown };

export interface Compiled {
  name: string;
  text: string;
  slots: Slot[];
}

const dialect = new PgDialect();

export function compile(stmt: SQL): Compiled {
  const q = dialect.sqlToQuery(stmt);
  const slots: Slot[] = q.params.map((p) => (p instanceof Placeholder ? { name: p.name } : { value: p }));
  return { name: `tg_${createHash("sha1").update(q.sql).digest("hex").slice(0, 28)}`, text: q.sql, slots };
}

/** A statement with named parameters, compiled the first time each shape is used. */
export function preparedStatement<K extends string, S extends string = string, C = undefined>(build: (p: Record<K, Placeholder>, shape: S, context: C) => SQL) {
  const byShape = new Map<S, Compiled>();
  const placeholders = new Proxy({} as Record<K, Placeholder>, { get: (_, name) => sql.placeholder(String(name)) });
  // `context` is only read when a shape is compiled: everything in it that changes the text must
  // be part of `shape`.
  return (shape: S, context: C): Compiled => {
    let c = byShape.get(shape);
    if (!c) {
      c = compile(build(placeholders, shape, context));
      byShape.set(shape, c);
    }
    return c;
  };
}

/** A statement fragment with its own named parameters, joined into another prepared statement. */
export interface PreparedPart {
  /** Identifies the fragment's text: same key, same text. */
  key: string;
  build(p: Record<string, Placeholder>): SQL;
  values: Record<string, unknown>;
}

export function fill(c: Compiled, values: Record<string, unknown>): unknown[] {
  const out = new Array<unknown>(c.slots.length);
  for (let i = 0; i < c.slots.length; i++) {
    const s = c.slots[i];
    if ("name" in s) {
      if (!(s.name in values)) throw new Error(`no value for statement parameter "${s.name}"`);
      out[i] = values[s.name];
    } else {
      out[i] = s.value;
    }
  }
  return out;
}

function poolOf(db: DbOrTx): { query(q: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }> } | null {
  // Only the top-level handle: a transaction must keep using its own connection.
  if (db instanceof PgTransaction) return null;
  const client = (db as unknown as { $client?: { totalCount?: unknown; connect?: unknown } }).$client;
  return client && typeof client.totalCount === "number" && typeof client.connect === "function" ? (client as never) : null;
}

/** The same statement as a drizzle SQL object (PGlite, transactions). */
function asSql(text: string, values: unknown[]): SQL {
  const parts = text.split(/\$(\d+)/);
  const chunks: SQL[] = [];
  // sql.param: drizzle would otherwise expand an array value into a list of parameters.
  for (let i = 0; i < parts.length; i++) chunks.push(i % 2 ? sql`${sql.param(values[Number(parts[i]) - 1])}` : sql.raw(parts[i]));
  return sql.join(chunks);
}

/**
 * Runs a compiled statement. `affinity` (an account id) keeps one account's statements on one
 * pipelined connection (see lib/db/pipeline.ts).
 */
export async function runPrepared<T>(db: DbOrTx, c: Compiled, values: Record<string, unknown>, affinity?: string): Promise<T[]> {
  const params = fill(c, values);
  const pool = poolOf(db);
  if (!pool) return rows<T>(db, asSql(c.text, params));
  const query = { name: c.name, text: c.text, values: params };
  const r = await (pipelineFor(pool).query(query, affinity) ?? pool.query(query));
  return r.rows as T[];
}
