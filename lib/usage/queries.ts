// Usage and request-log queries for the console. Metadata only: request content is never stored.
import { and, eq, sql } from "drizzle-orm";
import { apiKeys, ledgerEntries, models, requests } from "@/db/schema";
import { rows, type DbOrTx } from "@/lib/db";
import { authorize, type ActorCtx } from "@/lib/accounts/authorize";
import { findRequest, READ_ENDPOINTS, queryRequestLog, type RequestLogFilters, type RequestLogRow } from "./request-log";
import { dayKey, dayKeys, rangeStart } from "./series";

export interface UsageBucket {
  day: string;
  model: string;
  keyId: string | null;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: bigint;
}

export interface UsageSummary {
  days: string[];
  buckets: UsageBucket[];
  keys: { id: string; name: string; prefix: string; last4: string }[];
  totals: { requests: number; inputTokens: number; outputTokens: number; costMicros: bigint };
}

/** Model calls and spend per UTC day, model and key over the last `days` days (the log has every request). */
export async function usageSummary(db: DbOrTx, ctx: ActorCtx, days: number, now = new Date()): Promise<UsageSummary> {
  await authorize(db, ctx, "usage:read");
  const start = rangeStart(days, now);
  const raw = await rows<{ day: unknown; model: string | null; key_id: string | null; n: string | number; tin: string | number; tout: string | number; cost: string }>(
    db,
    sql`SELECT date_trunc('day', ${requests.createdAt} AT TIME ZONE 'UTC')::date::text AS day,
               ${requests.model} AS model, ${requests.keyId} AS key_id,
               count(*) AS n, coalesce(sum(${requests.inputTokens}), 0) AS tin,
               coalesce(sum(${requests.outputTokens}), 0) AS tout, coalesce(sum(${requests.costMicros}), 0)::text AS cost
        FROM ${requests}
        WHERE ${requests.accountId} = ${ctx.accountId} AND ${requests.createdAt} >= ${start.toISOString()}
          AND ${requests.endpoint} NOT IN (${sql.join(READ_ENDPOINTS.map((e) => sql`${e}`), sql`, `)})
        GROUP BY 1, 2, 3
        ORDER BY 1`,
  );
  const buckets = raw.map((r) => ({
    day: dayKey(r.day),
    model: r.model ?? "(none)",
    keyId: r.key_id,
    requests: Number(r.n),
    inputTokens: Number(r.tin),
    outputTokens: Number(r.tout),
    costMicros: BigInt(r.cost),
  }));
  const keys = await db
    .select({ id: apiKeys.id, name: apiKeys.name, prefix: apiKeys.prefix, last4: apiKeys.last4 })
    .from(apiKeys)
    .where(eq(apiKeys.accountId, ctx.accountId));
  const totals = buckets.reduce(
    (t, b) => ({
      requests: t.requests + b.requests,
      inputTokens: t.inputTokens + b.inputTokens,
      outputTokens: t.outputTokens + b.outputTokens,
      costMicros: t.costMicros + b.costMicros,
    }),
    { requests: 0, inputTokens: 0, outputTokens: 0, costMicros: BigInt(0) },
  );
  return { days: dayKeys(days, now), buckets, keys, totals };
}

export const REQUEST_STATUS_FILTERS = ["success", "error"] as const;

export type RequestFilters = RequestLogFilters;
export type RequestRow = RequestLogRow;

/** The request log (every authenticated API request), newest first, keyset-paginated. */
export async function listRequests(db: DbOrTx, ctx: ActorCtx, filters: RequestFilters): Promise<{ rows: RequestRow[]; nextCursor: string | null }> {
  await authorize(db, ctx, "usage:read");
  return queryRequestLog(db, ctx.accountId, filters);
}

export interface RequestDetail extends RequestRow {
  entries: { id: string; type: string; amountMicros: bigint; createdAt: Date }[];
}

export async function getRequest(db: DbOrTx, ctx: ActorCtx, requestId: string): Promise<RequestDetail | null> {
  await authorize(db, ctx, "usage:read");
  const row = await findRequest(db, ctx.accountId, requestId);
  if (!row) return null;
  const entries = await db
    .select({ id: ledgerEntries.id, type: ledgerEntries.type, amountMicros: ledgerEntries.amountMicros, createdAt: ledgerEntries.createdAt })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.accountId, ctx.accountId), eq(ledgerEntries.requestId, requestId)))
    .orderBy(ledgerEntries.seq);
  return { ...row, entries };
}

/** Model ids for the filter dropdown (the models table is small; the log may be huge). */
export async function requestModels(db: DbOrTx, ctx: ActorCtx): Promise<string[]> {
  await authorize(db, ctx, "usage:read");
  const found = await db.select({ id: models.id }).from(models).orderBy(models.id);
  return found.map((r) => r.id);
}
