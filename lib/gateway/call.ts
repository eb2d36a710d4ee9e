// One model call, shared by /chat/completions, /messages and /embeddings: model + provider,
// hold, upstream request, then either a metered stream or a settled JSON response.
import { getDb } from "@/lib/db";
import { AppError, isAppError } from "@/lib/errors";
import { placeHoldReadingBalance } from "@/lib/ledger/holds";
import { findModel, type ModelRow } from "@/lib/models";
import { concurrencyTtlMs } from "@/lib/ratelimit";
import { microsToUsdExact } from "@/lib/money";
import { affordableOutput, chargeHold, chargeReported, estimateInputTokens, NO_CHARGE, planHold, type HoldPlan, type Usage } from "./billing";
import { gatewayConfig } from "./config";
import type { GatewayContext } from "./http";
import { nativeWire, resolveTarget, type Operation, type ResolvedTarget, type Wire } from "./providers";
import { keepHoldAlive } from "./hold-keepalive";
import { trackSettlement } from "./pending";
import { finishCall, recordWithoutHold, type CallLog } from "./record";
import { streamToClient } from "./stream";
import { fromAnthropicResponse, fromOpenAIResponse, streamTranslator, toAnthropicRequest, toOpenAIRequest } from "./translate";
import { bodyChunks, requestUpstream, UpstreamFailure, type UpstreamResponse } from "./upstream";
import { AnthropicMeter, anthropicUsage, OpenAIMeter, openaiUsage, type StreamMeter } from "./usage";

export interface CallInput {
  endpoint: "chat.completions" | "messages" | "embeddings";
  /** The dialect the client speaks. */
  clientWire: Wire;
  op: Operation;
  body: Record<string, unknown>;
  modelId: string;
  stream: boolean;
  promptBytes: number;
  /** max_tokens / max_completion_tokens given by the client. */
  requestedMax: number | null;
  /** OpenAI `n`. */
  choices: number;
  /** OpenAI streams: the client asked for the usage chunk. */
  includeUsage: boolean;
}

function baseLog(ctx: GatewayContext, input: Pick<CallInput, "endpoint" | "stream">, model: string | null): Omit<CallLog, "holdId" | "holdMicros"> {
  return {
    requestId: ctx.requestId,
    accountId: ctx.key.accountId,
    keyId: ctx.key.keyId,
    model,
    endpoint: input.endpoint,
    stream: input.stream,
    statusCode: 200,
    errorCode: null,
    latencyMs: 0,
    ttfbMs: null,
    maxTokensClamped: null,
    byok: false,
    clientIpHash: ctx.clientIpHash,
    createdAt: new Date(),
  };
}

function upstreamMessage(text: string | undefined): string | null {
  if (!text) return null;
  try {
    const j = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const m = typeof j.error === "object" ? j.error?.message : typeof j.error === "string" ? j.error : j.message;
    return typeof m === "string" ? m.slice(0, 500) : null;
  } catch {
    return null;
  }
}

/** Upstream failure → the documented client error (no charge in every case). */
export function mapUpstreamFailure(f: UpstreamFailure, byok: boolean): AppError {
  switch (f.kind) {
    case "circuit_open":
      return new AppError("UPSTREAM_UNAVAILABLE", "The upstream provider is temporarily unavailable. Retry shortly.", { retryAfterSeconds: Math.ceil(gatewayConfig.breakerCooldownMs() / 1000) });
    case "timeout":
      return new AppError("UPSTREAM_TIMEOUT", "The upstream provider did not respond in time. You were not charged.");
    case "connect":
    case "cut":
    case "aborted":
      return new AppError("UPSTREAM_ERROR", "Could not get a complete response from the upstream provider. You were not charged.");
    case "status": {
      const status = f.status ?? 502;
      const detail = upstreamMessage(f.bodyText);
      if (status === 400 || status === 404 || status === 409 || status === 413 || status === 422) {
        return new AppError("INVALID_REQUEST", `The upstream provider rejected the request${detail ? `: ${detail}` : "."}`);
      }
      if (status === 401 || status === 403) {
        return new AppError("UPSTREAM_ERROR", byok ? "The upstream provider rejected the key in X-Provider-Key." : "The upstream provider refused the gateway's credentials.");
      }
      if (status === 429) {
        const retry = f.retryAfterMs ? Math.max(1, Math.ceil(f.retryAfterMs / 1000)) : undefined;
        return new AppError("UPSTREAM_ERROR", "The upstream provider is rate limiting requests. You were not charged; retry later.", { retryAfterSeconds: retry });
      }
      return new AppError("UPSTREAM_ERROR", `The upstream provider failed (HTTP ${status}). You were not charged.`);
    }
  }
}

function byokKeyFrom(headers: Headers): string | null {
  const v = headers.get("x-provider-key")?.trim();
  if (!v) return null;
  if (v.length > 1024 || /[\r\n]/.test(v)) throw new AppError("INVALID_REQUEST", "X-Provider-Key is malformed.", { param: "X-Provider-Key" });
  return v;
}

async function readAll(up: UpstreamResponse): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of bodyChunks(up.body, gatewayConfig.idleTimeoutMs())) {
    size += chunk.length;
    if (size > gatewayConfig.maxUpstreamBodyBytes()) {
      up.body.destroy();
      throw new UpstreamFailure("cut", "upstream response too large");
    }
    parts.push(chunk);
  }
  if (!up.body.complete) throw new UpstreamFailure("cut", "upstream response truncated");
  return Buffer.concat(parts);
}

function validateModel(model: ModelRow | undefined, input: CallInput): ModelRow {
  if (!model) throw new AppError("MODEL_NOT_FOUND", `The model '${input.modelId}' does not exist or is not enabled.`, { param: "model" });
  if (input.op === "embeddings" && model.kind !== "embedding") throw new AppError("INVALID_REQUEST", `'${model.id}' is not an embedding model.`, { param: "model" });
  if (input.op === "chat" && model.kind !== "chat") throw new AppError("INVALID_REQUEST", `'${model.id}' is an embedding model; use /v1/embeddings.`, { param: "model" });
  if (input.requestedMax !== null && input.requestedMax > model.maxOutputTokens) {
    const param = input.body.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens";
    throw new AppError("INVALID_REQUEST", `${param} is ${input.requestedMax}, above the maximum of ${model.maxOutputTokens} for '${model.id}'.`, { param });
  }
  return model;
}

/** A request refused before any model work (bad body): logged, never charged. */
export async function recordRejected(ctx: GatewayContext, endpoint: CallInput["endpoint"], json: Record<string, unknown> | null, e: unknown): Promise<void> {
  if (!isAppError(e)) return;
  const model = json && typeof json.model === "string" ? json.model.slice(0, 200) : null;
  const log = baseLog(ctx, { endpoint, stream: json?.stream === true }, model);
  await recordWithoutHold({ ...log, statusCode: e.status, errorCode: e.code, latencyMs: Math.round(performance.now() - ctx.startedAt) });
}

export async function runModelCall(ctx: GatewayContext, input: CallInput): Promise<Response> {
  await ctx.admitted(); // nothing below may happen for a refused request
  const log = baseLog(ctx, input, input.modelId);
  const fail = async (err: AppError): Promise<never> => {
    await recordWithoutHold({ ...log, statusCode: err.status, errorCode: err.code, latencyMs: Math.round(performance.now() - ctx.startedAt) });
    throw err;
  };

  let model: ModelRow;
  let target: ResolvedTarget;
  let byokKey: string | null;
  try {
    model = validateModel(await findModel(input.modelId), input);
    byokKey = byokKeyFrom(ctx.req.headers);
    const wire = input.op === "embeddings" ? "openai" : nativeWire(model, input.clientWire);
    if (wire !== input.clientWire && input.choices > 1) throw new AppError("INVALID_REQUEST", `n > 1 is not supported for '${model.id}'.`, { param: "n" });
    target = resolveTarget(model, input.op, wire, ctx.req.headers, byokKey);
  } catch (e) {
    return fail(isAppError(e) ? e : new AppError("INTERNAL_ERROR", "Internal error.", { cause: e }));
  }
  const byok = byokKey !== null;
  log.byok = byok;

  // Hold the most this call can cost (one guarded statement; clamps atomically).
  const inputEstimate = estimateInputTokens(input.promptBytes);
  const plan = planHold(model, inputEstimate, input.op === "embeddings" ? 0 : input.requestedMax, input.choices, byok);
  const db = await getDb();
  const holdTtlSeconds = gatewayConfig.holdTtlSeconds();
  const { result: hold, balanceMicros: balanceAtHold } = await placeHoldReadingBalance(db, {
    accountId: ctx.key.accountId,
    keyId: ctx.key.keyId,
    requestId: ctx.requestId,
    minMicros: plan.minMicros,
    maxMicros: plan.maxMicros,
    ttlSeconds: holdTtlSeconds,
  });
  if (!hold.ok) {
    const need = microsToUsdExact(plan.minMicros);
    const have = microsToUsdExact(hold.availableMicros);
    const what = hold.code === "INSUFFICIENT_CREDITS" ? "credits available" : hold.code === "KEY_CREDIT_LIMIT_REACHED" ? "left under this key's credit limit" : "left under this key's daily spend cap";
    return fail(new AppError(hold.code, `This request needs up to $${need}; $${have} ${what}.`));
  }
  const callLog: CallLog = { ...log, holdId: hold.holdId, holdMicros: hold.amountMicros };
  keepHoldAlive(hold.holdId, holdTtlSeconds, ctx.requestId, { ttlMs: concurrencyTtlMs(), refresh: ctx.refreshSlot }); // until finishCall
  let settled = false;
  try {
    return await forward(ctx, input, {
      model,
      target,
      byok,
      inputEstimate,
      plan,
      holdMicros: hold.amountMicros,
      balanceMicros: balanceAtHold,
      callLog,
      onSettled: () => (settled = true),
    });
  } catch (e) {
    // Anything unexpected after the hold: release it now rather than leaving it to the sweeper.
    if (!settled) {
      const err = isAppError(e) ? e : new AppError("INTERNAL_ERROR", "Internal error.", { cause: e });
      await finishCall({ ...callLog, statusCode: err.status, errorCode: err.code, latencyMs: Math.round(performance.now() - ctx.startedAt) }, NO_CHARGE);
    }
    throw e;
  }
}

interface Forward {
  model: ModelRow;
  target: ResolvedTarget;
  byok: boolean;
  inputEstimate: number;
  plan: HoldPlan;
  holdMicros: bigint;
  /** Account balance read when the hold was placed (null: unknown). */
  balanceMicros: bigint | null;
  callLog: CallLog;
  /** Called once the hold's outcome is booked (or handed to the stream, which books it). */
  onSettled(): void;
}

async function forward(ctx: GatewayContext, input: CallInput, f: Forward): Promise<Response> {
  const { model, target, byok, inputEstimate, plan, callLog } = f;

  // Outgoing body: upstream model id, clamped max tokens, usage always requested on streams.
  let upstreamBody: Record<string, unknown> = { ...input.body, model: model.upstreamModel };
  if (input.op === "chat" && !plan.clientSetMax && f.holdMicros < plan.maxMicros) {
    const clamp = affordableOutput(model, inputEstimate, f.holdMicros, plan.maxOutput, input.choices, byok);
    callLog.maxTokensClamped = clamp;
    ctx.headers["X-Tollgate-Max-Tokens"] = String(clamp);
    if (input.clientWire === "anthropic") upstreamBody.max_tokens = clamp;
    else upstreamBody[model.provider === "openai" ? "max_completion_tokens" : "max_tokens"] = clamp;
  }
  const translated = input.op === "chat" && target.wire !== input.clientWire;
  if (translated) upstreamBody = target.wire === "openai" ? toOpenAIRequest(upstreamBody) : toAnthropicRequest(upstreamBody, plan.maxOutput);
  if (input.stream && target.wire === "openai") {
    const so = upstreamBody.stream_options && typeof upstreamBody.stream_options === "object" ? (upstreamBody.stream_options as Record<string, unknown>) : {};
    upstreamBody.stream_options = { ...so, include_usage: true };
  }

  // The client's own signal: a client that hangs up cancels the upstream call.
  const signal = ctx.req.signal ?? new AbortController().signal;
  const settleFailure = async (err: AppError, status = err.status): Promise<never> => {
    f.onSettled();
    await finishCall({ ...callLog, statusCode: status, errorCode: status === 499 ? "CLIENT_CLOSED" : err.code, latencyMs: Math.round(performance.now() - ctx.startedAt) }, NO_CHARGE);
    throw err;
  };

  let upstream: UpstreamResponse;
  try {
    upstream = await requestUpstream(target, JSON.stringify(upstreamBody), signal);
  } catch (e) {
    const f = e instanceof UpstreamFailure ? e : new UpstreamFailure("connect", String(e));
    return settleFailure(mapUpstreamFailure(f, byok), f.kind === "aborted" ? 499 : undefined);
  }

  if (input.stream) {
    const meter: StreamMeter = target.wire === "anthropic" ? new AnthropicMeter() : new OpenAIMeter(input.includeUsage);
    const call = { ctx, upstream, model, meter, log: callLog, holdMicros: f.holdMicros, inputEstimate, byok };
    const translator = translated ? streamTranslator(target.wire, input.modelId, input.includeUsage) : undefined;
    f.onSettled(); // the stream settles exactly once, whatever happens to it
    return streamToClient({ ...call, translator });
  }

  // Non-streamed: read it all (idle timeout applies), answer, settle right after. The body is
  // complete before anything is sent, so the outcome (and the charge) is already fixed; settling
  // after the answer takes the settlement's round trips off the client's latency. It runs
  // detached from the response, so it happens exactly once even if the client disconnects; the
  // concurrency slot stays taken until it is booked, and this instance's /credits, /usage and
  // /requests/{id} wait for it (pending.ts).
  let raw: Buffer;
  let json: Record<string, unknown>;
  try {
    raw = await readAll(upstream);
    json = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
  } catch (e) {
    upstream.body.destroy();
    const f = e instanceof UpstreamFailure ? e : new UpstreamFailure("cut", "upstream sent invalid JSON");
    return settleFailure(mapUpstreamFailure(f, byok));
  }
  const ttfbMs = Math.round(upstream.headersAt - ctx.startedAt);
  let usage: Usage | null;
  if (target.wire === "anthropic") usage = anthropicUsage(json.usage);
  else usage = openaiUsage(json.usage);
  const charge = usage ? chargeReported(model, usage, byok) : chargeHold(f.holdMicros, inputEstimate, 0, byok);
  const payload: Uint8Array = translated
    ? Buffer.from(JSON.stringify(input.clientWire === "anthropic" ? fromOpenAIResponse(json, input.modelId) : fromAnthropicResponse(json, input.modelId)))
    : new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);

  f.onSettled();
  const done = { ...callLog, statusCode: 200, latencyMs: Math.round(performance.now() - ctx.startedAt), ttfbMs };
  // Booked on the next turn of the event loop, once the answer has been written: the booking's
  // own work then never sits between the upstream's answer and the client.
  const settling = new Promise<void>((resolve) => setImmediate(resolve))
    .then(() => finishCall(done, charge))
    .catch(() => undefined);
  ctx.holdSlotUntil(settling);
  trackSettlement(ctx.key.accountId, settling);
  // X-Credit-Balance-Usd: the balance read under the hold's lock minus this call's charge —
  // exact unless other calls of the account settled in between (then /credits is the truth).
  if (f.balanceMicros !== null) ctx.balanceMicros = f.balanceMicros - charge.chargeMicros - charge.byokFeeMicros;
  // A known length: the body goes out with the headers in one write, with no chunked trailer
  // (a second socket write) after it.
  return new Response(payload as Uint8Array<ArrayBuffer>, { status: 200, headers: { "Content-Type": "application/json", "Content-Length": String(payload.byteLength) } });
}
