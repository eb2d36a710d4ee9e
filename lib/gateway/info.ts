// Read-only endpoints: models, credits (and their transactions), usage, one request. All scoped
// to the key's account; the bodies come from lib/models and lib/usage.
import { and, eq } from "drizzle-orm";
import { requests } from "@/db/schema";
import { getDb } from "@/lib/db";
import { isAppError } from "@/lib/errors";
import { findServedModel, listServedModels } from "@/lib/models";
import { anthropicModel, modelsListBody, openaiModel } from "@/lib/models/api";
import { microsToUsdNumber } from "@/lib/money";
import { creditsBody, transactionsBody, usageBody } from "@/lib/usage";
import { flushUsageEvents } from "@/lib/usage/events";
import type { GatewayContext } from "./core/context";
import { Refusal } from "./core/refusal";
import { header, jsonResponse, type GatewayRequest, type GatewayResponse } from "./core/types";
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

export async function requestDetail(ctx: GatewayContext): Promise<GatewayResponse> {
  const id = ctx.params.id ?? "";
  const notFound = () => new Refusal("NOT_FOUND", "No request with that id on this account.");
  if (!requestIdParamSchema.safeParse(id).success) throw notFound();
  await settlementsOf(ctx.key.accountId);
  const db = await getDb();
  const [r] = await db.select().from(requests).where(and(eq(requests.id, id), eq(requests.accountId, ctx.key.accountId)));
  if (!r) throw notFound();
  return json({
    id: r.id,
    object: "request",
    created_at: r.createdAt.toISOString(),
    completed_at: r.completedAt?.toISOString() ?? null,
    key_id: r.keyId,
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
    latency_ms: r.latencyMs,
    ttfb_ms: r.ttfbMs,
    max_tokens_clamped: r.maxTokensClamped,
    byok: r.byok,
  });
}
