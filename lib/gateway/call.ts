// One model call, shared by /chat/completions, /messages and /embeddings: model + provider,
// the reservation (hold) — placed while admission is decided — the upstream request, then one of
// two responders: a metered stream (stream.ts) or a JSON answer (respond-json.ts).
import { findModel, type ModelRow } from "@/lib/models";
import { lifecycleHeaders, lifecycleState } from "@/lib/models/lifecycle";
import { concurrencyTtlMs } from "@/lib/ratelimit";
import { tierLimits } from "@/lib/ratelimit/tiers";
import { microsToUsdExact } from "@/lib/money";
import { planHold } from "./billing";
import { gatewayConfig } from "./config";
import { admissionFirst } from "./core/admission-hint";
import type { GatewayContext } from "./core/context";
import { isRefusal, Refusal } from "./core/refusal";
import { header, type GatewayResponse, type HeaderBag } from "./core/types";
import { statusOf } from "./errors";
import { inputTokenBound, type PromptSize } from "./guard/prompt-size";
import { nativeWire, resolveTarget, type Operation, type ResolvedTarget, type Wire } from "./providers";
import { assertPlatformAllowed, type ProviderApi } from "./providers/allowlist";
import { reserve, type CallRecord, type Reservation, type ReserveResult } from "./reservation";
import { forward } from "./forward";

export type Endpoint = "chat.completions" | "messages" | "embeddings";

export interface CallInput {
  endpoint: Endpoint;
  /** The dialect the client speaks. */
  clientWire: Wire;
  op: Operation;
  body: Record<string, unknown>;
  modelId: string;
  stream: boolean;
  /** What the prompt's parts weigh (guard/prompt-size.ts). */
  promptSize: PromptSize;
  /** max_tokens / max_completion_tokens given by the client. */
  requestedMax: number | null;
  /** OpenAI `n`. */
  choices: number;
  /** OpenAI streams: the client asked for the usage chunk. */
  includeUsage: boolean;
}

export function baseRecord(ctx: GatewayContext, input: { endpoint: Endpoint; stream: boolean }, model: string | null): CallRecord {
  return {
    requestId: ctx.requestId,
    accountId: ctx.key.accountId,
    keyId: ctx.key.keyId,
    model,
    endpoint: input.endpoint,
    method: ctx.req.method,
    path: ctx.req.path.split("?", 1)[0],
    stream: input.stream,
    statusCode: 200,
    errorCode: null,
    latencyMs: 0,
    ttfbMs: null,
    maxTokensClamped: null,
    byok: false,
    clientIpHash: ctx.clientIpHash,
    clientRequestId: ctx.clientRequestId,
    createdAt: new Date(),
  };
}

const API_OF: Record<Endpoint, ProviderApi> = { "chat.completions": "openai-chat", messages: "anthropic-messages", embeddings: "openai-embeddings" };

function byokKeyFrom(headers: HeaderBag): string | null {
  const v = header(headers, "x-provider-key")?.trim();
  if (!v) return null;
  if (v.length > 1024 || /[\r\n]/.test(v)) throw new Refusal("INVALID_REQUEST", "X-Provider-Key is malformed.", { param: "X-Provider-Key" });
  return v;
}

function validateModel(model: ModelRow | undefined, input: CallInput): ModelRow {
  if (!model) throw new Refusal("MODEL_NOT_FOUND", `The model '${input.modelId}' does not exist or is not enabled.`, { param: "model" });
  // Past its sunset a model is refused before anything is held, so the call is never charged.
  if (lifecycleState(model) === "sunset") {
    const instead = model.replacementId ? ` Use '${model.replacementId}' instead.` : "";
    throw new Refusal("MODEL_SUNSET", `The model '${model.id}' was retired on ${model.sunsetAt!.toISOString()}.${instead}`, { param: "model", headers: lifecycleHeaders(model) });
  }
  if (input.op === "embeddings" && model.kind !== "embedding") throw new Refusal("INVALID_REQUEST", `'${model.id}' is not an embedding model.`, { param: "model" });
  if (input.op === "chat" && model.kind !== "chat") throw new Refusal("INVALID_REQUEST", `'${model.id}' is an embedding model; use /v1/embeddings.`, { param: "model" });
  if (input.requestedMax !== null && input.requestedMax > model.maxOutputTokens) {
    const param = input.body.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens";
    throw new Refusal("INVALID_REQUEST", `${param} is ${input.requestedMax}, above the maximum of ${model.maxOutputTokens} for '${model.id}'.`, { param });
  }
  return model;
}

export const elapsed = (ctx: GatewayContext) => Math.round(performance.now() - ctx.startedAt);

export async function runModelCall(ctx: GatewayContext, input: CallInput): Promise<GatewayResponse> {
  const record = baseRecord(ctx, input, input.modelId);
  ctx.stream = input.stream;
  // A refusal before the hold is logged by the gateway core as a usage event.
  const fail = async (err: Refusal): Promise<never> => {
    await ctx.admitted(); // a refused admission answers instead
    throw err;
  };

  let model: ModelRow;
  let target: ResolvedTarget;
  let byokKey: string | null;
  try {
    model = validateModel(await findModel(input.modelId), input);
    byokKey = byokKeyFrom(ctx.req.headers);
    const wire = input.op === "embeddings" ? "openai" : nativeWire(model, input.clientWire);
    if (wire !== input.clientWire && input.choices > 1) throw new Refusal("INVALID_REQUEST", `n > 1 is not supported for '${model.id}'.`, { param: "n" });
    target = resolveTarget(model, input.op, wire, ctx.req.headers, byokKey);
    // The operator's key: only what Tollgate prices (BYOK callers pay the provider themselves).
    if (byokKey === null) assertPlatformAllowed(API_OF[input.endpoint], input.body, (name) => header(ctx.req.headers, name));
  } catch (e) {
    if (!isRefusal(e)) throw e;
    return fail(e);
  }
  ctx.model = model;
  // A deprecated model still serves, announcing its sunset and successor on every answer.
  Object.assign(ctx.headers, lifecycleHeaders(model));
  const byok = byokKey !== null;
  record.byok = byok;

  // Hold the most this call can cost (one guarded statement; clamps atomically).
  const inputEstimate = inputTokenBound(input.promptSize, model.contextWindow);
  const plan = planHold(model, inputEstimate, input.op === "embeddings" ? 0 : input.requestedMax, input.choices, byok);
  const reserving = () =>
    ctx.observer.stage("hold", { requestId: ctx.requestId, route: ctx.route, accountId: ctx.key.accountId, keyId: ctx.key.keyId, model: model.id, provider: target.breaker }, () =>
      reserve({
        accountId: ctx.key.accountId,
        keyId: ctx.key.keyId,
        requestId: ctx.requestId,
        minMicros: plan.minMicros,
        maxMicros: plan.maxMicros,
        ttlSeconds: gatewayConfig.holdTtlSeconds(),
        // The tier's daily spend cap, unless the key carries its own (the hold statement prefers it).
        defaultDailyCapMicros: tierLimits(ctx.key.tier).dailyCapMicros,
        slot: { ttlMs: concurrencyTtlMs(), refresh: ctx.refreshSlot },
        observer: ctx.observer,
        provider: target.breaker,
      }),
    );
  let held: ReserveResult;
  if (admissionFirst(ctx.key.keyId)) {
    await ctx.admitted();
    held = await reserving();
  } else {
    // Admission (Redis) and the hold (PostgreSQL) at the same time; a refused admission gives
    // the hold back, unrecorded.
    const placing = reserving();
    placing.catch(() => undefined);
    try {
      await ctx.admitted();
    } catch (e) {
      placing.then((r) => r.ok && r.reservation.discard(ctx.requestId), () => undefined);
      throw e;
    }
    held = await placing;
  }
  if (!held.ok) {
    const need = microsToUsdExact(plan.minMicros);
    const have = microsToUsdExact(held.availableMicros);
    const what = held.code === "INSUFFICIENT_CREDITS" ? "credits available" : held.code === "KEY_CREDIT_LIMIT_REACHED" ? "left under this key's credit limit" : "left under this key's daily spend cap";
    return fail(new Refusal(held.code, `This request needs up to $${need}; $${have} ${what}.`));
  }
  const reservation: Reservation = held.reservation;
  ctx.logged = true; // the reservation books the call's row with its settlement (or release)
  try {
    return await forward(ctx, input, { model, target, byok, inputEstimate, plan, reservation, balanceMicros: held.balanceMicros, record });
  } catch (e) {
    // Anything unexpected after the hold: release it now rather than leaving it to the sweeper.
    if (!reservation.closed) {
      const code = isRefusal(e) ? e.code : "INTERNAL_ERROR";
      const status = isRefusal(e) ? statusOf(e) : 500;
      await reservation.release({ ...record, statusCode: status, errorCode: code, latencyMs: elapsed(ctx) });
    }
    throw e;
  }
}
