// Read-only endpoints: models, credits (and their transactions), usage, one request. All scoped
// to the key's account; the bodies come from lib/models and lib/usage.
import { getDb } from "@/lib/db";
import { isAppError } from "@/lib/errors";
import { findServedModel, listServedModels } from "@/lib/models";
import { anthropicModel, modelsListBody, openaiModel } from "@/lib/models/api";
import { creditsBody, transactionsBody, usageBody } from "@/lib/usage";
import { flushUsageEvents } from "@/lib/usage/events";
import type { GatewayContext } from "./core/context";
import { Refusal } from "./core/refusal";
import { header, jsonResponse, type GatewayRequest, type GatewayResponse } from "./core/types";
import { findRequest, queryRequestLog, requestJson, requestListQuerySchema } from "@/lib/usage/request-log";
import { decodeCursor } from "@/lib/accounts/cursor";
import { parseWith } from "./body";
import { settlementsOf } from "./pending";
import { requestIdParamSchema } from "./schemas";

const json = (body: unknown): GatewayResponse => jsonResponse(200, body);

/** The Anthropic SDK sends anthropic-version; it gets Anthropic's list shape. */
export function wantsAnthropic(req: Pick<GatewayRequest, "headers">): boolean {
  return header(req.headers, "anthropic-version") !== null;
}

/** Query parsing of the read endpoints refuses bad input with an AppError: that one is the client's. */
async function withClientQuery<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (isAppError(e) && e.code === "INVALID_REQUEST") throw new Refusal("INVALID_REQUEST", e.message, { param: e.param, cause: e });
    throw e;
  }
}

export async function listModels(ctx: GatewayContext): Promise<GatewayResponse> {
  return json(modelsListBody(await listServedModels(), wantsAnthropic(ctx.req)));
}

export async function modelDetail(ctx: GatewayContext): Promise<GatewayResponse> {
  let id = ctx.params.id ?? "";
  try {
    id = decodeURIComponent(id);
  } catch {
    // not percent-encoded: taken as is
  }
  const m = id.length <= 100 ? await findServedModel(id) : undefined;
  if (!m) throw new Refusal("MODEL_NOT_FOUND", `The model '${id.slice(0, 100)}' does not exist or is not available.`, { param: "model" });
  const now = new Date();
  return json(wantsAnthropic(ctx.req) ? anthropicModel(m, now) : openaiModel(m, now));
}

export async function credits(ctx: GatewayContext): Promise<GatewayResponse> {
  await settlementsOf(ctx.key.accountId); // this instance's own finished calls are booked
  const { body, balanceMicros } = await creditsBody(await getDb(), ctx.key.accountId);
  ctx.balanceMicros = balanceMicros;
  return json(body);
}

export async function creditTransactions(ctx: GatewayContext): Promise<GatewayResponse> {
  await settlementsOf(ctx.key.accountId);
  return json(await withClientQuery(async () => transactionsBody(await getDb(), ctx.key.accountId, ctx.query)));
}

export async function usage(ctx: GatewayContext): Promise<GatewayResponse> {
  await Promise.all([settlementsOf(ctx.key.accountId), flushUsageEvents()]); // this instance's own calls are in
  return json(await withClientQuery(async () => usageBody(await getDb(), ctx.key.accountId, ctx.query)));
}

/** This instance's pending bookings and usage events of the account are in the log first. */
async function logUpToDate(accountId: string): Promise<void> {
  await Promise.all([settlementsOf(accountId), flushUsageEvents()]);
}

export async function requestDetail(ctx: GatewayContext): Promise<GatewayResponse> {
  const id = ctx.params.id ?? "";
  const notFound = () => new Refusal("NOT_FOUND", "No request with that id on this account.");
  if (!requestIdParamSchema.safeParse(id).success) throw notFound();
  await logUpToDate(ctx.key.accountId);
  const r = await findRequest(await getDb(), ctx.key.accountId, id);
  if (!r) throw notFound();
  return json(requestJson(r));
}

/** GET /requests?limit=&cursor=: the account's requests, newest first (same fields as /requests/{id}). */
export async function listRequests(ctx: GatewayContext): Promise<GatewayResponse> {
  const q = parseWith(requestListQuerySchema, Object.fromEntries(ctx.query));
  if (q.cursor && !decodeCursor(q.cursor)) throw new Refusal("INVALID_REQUEST", "cursor is not a cursor this API returned.", { param: "cursor" });
  await logUpToDate(ctx.key.accountId);
  const page = await queryRequestLog(await getDb(), ctx.key.accountId, {
    limit: q.limit,
    cursor: q.cursor,
    clientRequestId: q.client_request_id,
    status: q.status,
    endpoint: q.endpoint,
    model: q.model,
  });
  return json({ object: "list", data: page.rows.map(requestJson), has_more: page.nextCursor !== null, next_cursor: page.nextCursor });
}
