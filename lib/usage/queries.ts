// Usage and request-log queries for the console. Metadata only: request content is never stored.
import { and, desc, eq, gte, lt, or, sql, type SQL } from "drizzle-orm";
import { apiKeys, ledgerEntries, models, requests } from "@/db/schema";
import { rows, type DbOrTx } from "@/lib/db";
import { authorize, type ActorCtx } from "@/lib/accounts/authorize";
import { decodeCursor, encodeCursor } from "@/lib/accounts/cursor";
import { dayRange } from "@/lib/accounts/filters";
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

/** Requests and spend per UTC day, model and key over the last `days` days. */
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

export interface RequestFilters {
  keyId?: string;
  model?: string;
  status?: string;
  requestId?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit?: number;
}

export interface RequestRow {
  id: string;
  createdAt: Date;
  keyId: string | null;
  keyName: string | null;
  keyPrefix: string | null;
  keyLast4: string | null;
  model: string | null;
  endpoint: string;
  stream: boolean;
  statusCode: number | null;
  errorCode: string | null;
  inputTokens: number;
  outputTokens: number;
  costMicros: bigint;
  usageSource: "reported" | "estimated" | "hold" | "none";
  latencyMs: number | null;
}

const requestColumns = {
  id: requests.id,
  createdAt: requests.createdAt,
  keyId: requests.keyId,
  keyName: apiKeys.name,
  keyPrefix: apiKeys.prefix,
  keyLast4: apiKeys.last4,
  model: requests.model,
  endpoint: requests.endpoint,
  stream: requests.stream,
  statusCode: requests.statusCode,
  errorCode: requests.errorCode,
  inputTokens: requests.inputTokens,
  outputTokens: requests.outputTokens,
  costMicros: requests.costMicros,
  usageSource: requests.usageSource,
  latencyMs: requests.latencyMs,
};

/** The request log, newest first, with keyset (cursor) pagination on (created_at, id). */
export async function listRequests(db: DbOrTx, ctx: ActorCtx, filters: RequestFilters): Promise<{ rows: RequestRow[]; nextCursor: string | null }> {
  await authorize(db, ctx, "usage:read");
  const limit = Math.min(Math.max(filters.limit ?? 50, 1), 200);
  const where: SQL[] = [eq(requests.accountId, ctx.accountId)];
  if (filters.keyId) where.push(eq(requests.keyId, filters.keyId));
  if (filters.model) where.push(eq(requests.model, filters.model));
  if (filters.requestId) where.push(eq(requests.id, filters.requestId.trim()));
  if (filters.status === "success") where.push(sql`${requests.statusCode} BETWEEN 200 AND 299`);
  if (filters.status === "error") where.push(sql`(${requests.statusCode} IS NULL OR ${requests.statusCode} >= 400)`);
  const range = dayRange(filters.from, filters.to);
  if (range.from) where.push(gte(requests.createdAt, range.from));
  if (range.to) where.push(lt(requests.createdAt, range.to));
  const cursor = decodeCursor(filters.cursor);
  if (cursor && cursor.length === 2 && typeof cursor[0] === "string" && typeof cursor[1] === "string") {
    const at = new Date(cursor[0]);
    if (!Number.isNaN(at.getTime())) {
      where.push(or(lt(requests.createdAt, at), and(eq(requests.createdAt, at), lt(requests.id, cursor[1])))!);
    }
  }
  const found = await db
    .select(requestColumns)
    .from(requests)
    .leftJoin(apiKeys, eq(apiKeys.id, requests.keyId))
    .where(and(...where))
    .orderBy(desc(requests.createdAt), desc(requests.id))
    .limit(limit + 1);
  const page = found.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: found.length > limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null };
}

export interface RequestDetail extends RequestRow {
  holdMicros: bigint;
  holdId: string | null;
  ttfbMs: number | null;
  maxTokensClamped: number | null;
  byok: boolean;
  completedAt: Date | null;
  entries: { id: string; type: string; amountMicros: bigint; createdAt: Date }[];
}

export async function getRequest(db: DbOrTx, ctx: ActorCtx, requestId: string): Promise<RequestDetail | null> {
  await authorize(db, ctx, "usage:read");
  const [row] = await db
    .select({
      ...requestColumns,
      holdMicros: requests.holdMicros,
      holdId: requests.holdId,
      ttfbMs: requests.ttfbMs,
      maxTokensClamped: requests.maxTokensClamped,
      byok: requests.byok,
      completedAt: requests.completedAt,
    })
    .from(requests)
    .leftJoin(apiKeys, eq(apiKeys.id, requests.keyId))
    .where(and(eq(requests.id, requestId), eq(requests.accountId, ctx.accountId)))
    .limit(1);
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
