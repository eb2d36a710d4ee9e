// The request log's row for a finished call, written by the settlement statements (one call, or a
// batch of them) and by the refused-call path. The columns are listed once, so a column added
// here is written on every path.
import { sql, type Placeholder, type SQL } from "drizzle-orm";
import type { FinishedCall } from "./calls";

// The request row's columns, once: [column, SQL type, value]. Every statement below is built
// from this list.
export const REQUEST_COLUMNS: [string, string, (c: FinishedCall) => unknown][] = [
  ["id", "text", (c) => c.requestId],
  ["account_id", "text", (c) => c.accountId],
  ["key_id", "text", (c) => c.keyId],
  ["model", "text", (c) => c.model],
  ["endpoint", "text", (c) => c.endpoint],
  ["method", "text", (c) => c.method],
  ["path", "text", (c) => c.path],
  ["stream", "boolean", (c) => c.stream],
  ["status_code", "int", (c) => c.statusCode],
  ["input_tokens", "int", (c) => c.inputTokens],
  ["output_tokens", "int", (c) => c.outputTokens],
  ["hold_micros", "bigint", (c) => c.holdMicros.toString()],
  ["hold_id", "text", (c) => c.holdId],
  ["usage_source", "usage_source", (c) => c.usageSource],
  ["error_code", "text", (c) => c.errorCode],
  ["latency_ms", "int", (c) => c.latencyMs],
  ["ttfb_ms", "int", (c) => c.ttfbMs],
  ["max_tokens_clamped", "int", (c) => c.maxTokensClamped],
  ["byok", "boolean", (c) => c.byok],
  ["client_ip_hash", "text", (c) => c.clientIpHash],
  ["client_request_id", "text", (c) => c.clientRequestId],
  ["overage_micros", "bigint", (c) => (c.overageMicros ?? 0n).toString()],
  ["uncharged_micros", "bigint", (c) => (c.unchargedMicros ?? 0n).toString()],
  ["created_at", "timestamptz", (c) => c.createdAt.toISOString()],
];

/** The column list of an INSERT INTO requests (the listed columns, then cost and completion). */
export const REQUEST_INSERT_COLUMNS = [...REQUEST_COLUMNS.map(([c]) => c), "cost_micros", "completed_at"].join(", ");
// Parameter names are prefixed so they never clash with the settlement statement's own.
export const param = (column: string) => `row_${column}`;

export function requestRowValues(c: FinishedCall): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, , value] of REQUEST_COLUMNS) out[param(column)] = value(c);
  return out;
}

/** INSERT … of the request row; `cost` is the SQL of the amount booked. */
export function requestRowInsert(p: Record<string, Placeholder>, cost: SQL, from: SQL): SQL {
  const columns = sql.raw(REQUEST_INSERT_COLUMNS);
  const values = sql.join(
    REQUEST_COLUMNS.map(([c, type]) => sql`${p[param(c)]}::${sql.raw(type)}`),
    sql`, `,
  );
  return sql`INSERT INTO requests (${columns}) SELECT ${values}, ${cost}, now() ${from} ON CONFLICT (id) DO NOTHING RETURNING id`;
}

/**
 * The rows of many calls as one array parameter per column (same names as requestRowValues); a
 * null call is a row of nulls (no row to write).
 */
export function requestRowArrays(calls: (FinishedCall | null)[]): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const [column, , value] of REQUEST_COLUMNS) out[param(column)] = calls.map((c) => (c ? value(c) : null));
  return out;
}

/** `unnest(…) WITH ORDINALITY AS <alias>(<columns>, n)`: the array parameters as rows. */
export function requestRowsUnnest(p: Record<string, Placeholder>, alias: string): SQL {
  const arrays = sql.join(
    // Through text[]: an enum array parameter arrives as "a,b" rather than an array literal when
    // the statement runs as plain drizzle SQL (PGlite, transactions).
    REQUEST_COLUMNS.map(([c, type]) => sql`${p[param(c)]}::${sql.raw(type === "text" ? "text[]" : `text[]::${type}[]`)}`),
    sql`, `,
  );
  return sql`unnest(${arrays}) WITH ORDINALITY AS ${sql.raw(alias)}(${sql.raw(REQUEST_COLUMNS.map(([c]) => c).join(", "))}, n)`;
}
