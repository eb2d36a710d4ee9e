// The request log of one account — every authenticated /api/v1 request (usage events included),
// newest first, keyset-paginated on (created_at, id). Shared by the console (after its role
// check) and the API (GET /api/v1/requests, scoped by the key's account). Metadata only.
import { and, desc, eq, gte, lt, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { apiKeys, requests } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { decodeCursor, encodeCursor } from "@/lib/accounts/cursor";
import { dayRange } from "@/lib/accounts/filters";
import { microsToUsdNumber } from "@/lib/money";

/** Endpoint names as stored in requests.endpoint, for filters. */
export const REQUEST_ENDPOINTS = ["chat.completions", "messages", "embeddings", "models", "models.detail", "credits", "credits.transactions", "usage", "requests", "requests.detail"] as const;
/** Endpoints that call no model: the request log shows them, /usage and the usage charts do not count them. */
// The route names of lib/gateway/routes.ts (every GET route there belongs here).
export const READ_ENDPOINTS = ["models", "models.detail", "credits", "credits.transactions", "usage", "requests", "requests.detail"] as const;

/** Status filter: success (2xx), error (≥ 400, or never finished), or one exact HTTP status. */
export const requestStatusFilterSchema = z.union([z.enum(["success", "error"]), z.string().regex(/^[1-5]\d\d$/)]);

export interface RequestLogFilters {
  keyId?: string;
  model?: string;
  status?: string;
  endpoint?: string;
  /** Our id (req_…) or the client's own request id. */
  requestId?: string;
  clientRequestId?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit?: number;
}

const columns = {
  id: requests.id,
  createdAt: requests.createdAt,
  completedAt: requests.completedAt,
  keyId: requests.keyId,
  keyName: apiKeys.name,
  keyPrefix: apiKeys.prefix,
  keyLast4: apiKeys.last4,
  method: requests.method,
  path: requests.path,
  clientRequestId: requests.clientRequestId,
  model: requests.model,
  endpoint: requests.endpoint,
  stream: requests.stream,
  statusCode: requests.statusCode,
  errorCode: requests.errorCode,
  inputTokens: requests.inputTokens,
  outputTokens: requests.outputTokens,
  costMicros: requests.costMicros,
  holdMicros: requests.holdMicros,
  holdId: requests.holdId,
  overageMicros: requests.overageMicros,
  unchargedMicros: requests.unchargedMicros,
  usageSource: requests.usageSource,
  latencyMs: requests.latencyMs,
  ttfbMs: requests.ttfbMs,
  maxTokensClamped: requests.maxTokensClamped,
  byok: requests.byok,
};

export interface RequestLogRow {
  id: string;
  createdAt: Date;
  completedAt: Date | null;
  keyId: string | null;
  keyName: string | null;
  keyPrefix: string | null;
  keyLast4: string | null;
  method: string;
  path: string | null;
  clientRequestId: string | null;
  model: string | null;
  endpoint: string;
  stream: boolean;
  statusCode: number | null;
  errorCode: string | null;
  inputTokens: number;
  outputTokens: number;
  costMicros: bigint;
  holdMicros: bigint;
  holdId: string | null;
  overageMicros: bigint;
  unchargedMicros: bigint;
  usageSource: "reported" | "estimated" | "hold" | "none";
  latencyMs: number | null;
  ttfbMs: number | null;
  maxTokensClamped: number | null;
  byok: boolean;
}

function whereFor(accountId: string, f: RequestLogFilters): SQL[] {
  const where: SQL[] = [eq(requests.accountId, accountId)];
  if (f.keyId) where.push(eq(requests.keyId, f.keyId));
  if (f.model) where.push(eq(requests.model, f.model));
  if (f.endpoint) where.push(eq(requests.endpoint, f.endpoint));
  const q = f.requestId?.trim();
  if (q) where.push(or(eq(requests.id, q), eq(requests.clientRequestId, q))!);
  if (f.clientRequestId) where.push(eq(requests.clientRequestId, f.clientRequestId));
  if (f.status === "success") where.push(sql`${requests.statusCode} BETWEEN 200 AND 299`);
  else if (f.status === "error") where.push(sql`(${requests.statusCode} IS NULL OR ${requests.statusCode} >= 400)`);
  else if (f.status && /^[1-5]\d\d$/.test(f.status)) where.push(eq(requests.statusCode, Number(f.status)));
  const range = dayRange(f.from, f.to);
  if (range.from) where.push(gte(requests.createdAt, range.from));
  if (range.to) where.push(lt(requests.createdAt, range.to));
  const cursor = decodeCursor(f.cursor);
  if (cursor && cursor.length === 2 && typeof cursor[0] === "string" && typeof cursor[1] === "string") {
    const at = new Date(cursor[0]);
    if (!Number.isNaN(at.getTime())) where.push(or(lt(requests.createdAt, at), and(eq(requests.createdAt, at), lt(requests.id, cursor[1])))!);
  }
  return where;
}

/** One page of an account's request log (no access check: callers scope `accountId`). */
export async function queryRequestLog(db: DbOrTx, accountId: string, f: RequestLogFilters): Promise<{ rows: RequestLogRow[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(f.limit ?? 50, 1), 200);
  const found = await db
    .select(columns)
    .from(requests)
    .leftJoin(apiKeys, eq(apiKeys.id, requests.keyId))
    .where(and(...whereFor(accountId, f)))
    .orderBy(desc(requests.createdAt), desc(requests.id))
    .limit(limit + 1);
  const page = found.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: found.length > limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null };
}

/** One request of an account, or null. */
export async function findRequest(db: DbOrTx, accountId: string, id: string): Promise<RequestLogRow | null> {
  const [row] = await db.select(columns).from(requests).leftJoin(apiKeys, eq(apiKeys.id, requests.keyId)).where(and(eq(requests.id, id), eq(requests.accountId, accountId))).limit(1);
  return row ?? null;
}

/** A request as the API shows it (GET /api/v1/requests and /requests/{id} alike). */
export function requestJson(r: RequestLogRow) {
  return {
    id: r.id,
    object: "request",
    created_at: r.createdAt.toISOString(),
    completed_at: r.completedAt?.toISOString() ?? null,
    key_id: r.keyId,
    client_request_id: r.clientRequestId,
    method: r.method,
    path: r.path ?? `/api/v1/${r.endpoint.replace(".", "/")}`,
    model: r.model,
    endpoint: r.endpoint,
    stream: r.stream,
    status: r.statusCode,
    error_code: r.errorCode,
    usage_source: r.usageSource,
    tokens: { input: r.inputTokens, output: r.outputTokens },
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    cost_usd: microsToUsdNumber(r.costMicros),
    cost_micros: r.costMicros.toString(),
    hold_usd: microsToUsdNumber(r.holdMicros),
    hold_micros: r.holdMicros.toString(),
    overage_micros: r.overageMicros.toString(),
    latency_ms: r.latencyMs,
    ttfb_ms: r.ttfbMs,
    max_tokens_clamped: r.maxTokensClamped,
    byok: r.byok,
  };
}

/** Query of GET /api/v1/requests (untrusted). */
export const requestListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(600).optional(),
  client_request_id: z.string().min(1).max(128).optional(),
  status: requestStatusFilterSchema.optional(),
  endpoint: z.enum(REQUEST_ENDPOINTS).optional(),
  model: z.string().min(1).max(200).optional(),
});
