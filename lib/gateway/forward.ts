// After the hold: the upstream request, then the responder for the kind of call. Non-streamed
// answers are read whole (idle timeout applies), priced, and answered; the settlement is booked
// right after the answer is written (Reservation.settle afterThisTurn): the body is complete
// before anything is sent, so the outcome — and the charge — is already fixed, and the booking's
// round trip stays off the client's latency. It happens exactly once even if the client
// disconnects; the concurrency slot stays taken until it is booked, and this instance's
// /credits, /usage and /requests/{id} wait for it (pending.ts).
import type { ModelRow } from "@/lib/models";
import { affordableOutput, chargeHold, chargeReported, type HoldPlan, type Usage } from "./billing";
import { elapsed, type CallInput } from "./call";
import { gatewayConfig } from "./config";
import type { GatewayContext } from "./core/context";
import type { GatewayResponse } from "./core/types";
import { statusOf } from "./errors";
import type { ResolvedTarget } from "./providers";
import type { CallRecord, Reservation } from "./reservation";
import { upstreamBody } from "./rewrite";
import { streamResponse } from "./stream";
import { fromAnthropicResponse, fromOpenAIResponse, streamTranslator } from "./translate";
import { bodyChunks, requestUpstream, UpstreamFailure, type UpstreamResponse } from "./upstream";
import { mapUpstreamFailure } from "./upstream-errors";
import { AnthropicMeter, anthropicUsage, OpenAIMeter, openaiUsage, type StreamMeter } from "./usage";

export interface Forward {
  model: ModelRow;
  target: ResolvedTarget;
  byok: boolean;
  inputEstimate: number;
  plan: HoldPlan;
  reservation: Reservation;
  /** Account balance read when the hold was placed (null: unknown). */
  balanceMicros: bigint | null;
  record: CallRecord;
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

async function callUpstream(ctx: GatewayContext, f: Forward, body: string): Promise<UpstreamResponse> {
  const t0 = performance.now();
  const info = { requestId: ctx.requestId, route: ctx.route, accountId: ctx.key.accountId, keyId: ctx.key.keyId, model: f.model.id, provider: f.target.breaker };
  try {
    const up = await ctx.observer.stage("upstream", info, () => requestUpstream(f.target, body, ctx.req.signal));
    ctx.observer.upstream({ requestId: ctx.requestId, provider: f.target.breaker, status: up.status, failure: null, durationMs: performance.now() - t0 });
    return up;
  } catch (e) {
    const failure = e instanceof UpstreamFailure ? e : new UpstreamFailure("connect", String(e));
    ctx.observer.upstream({ requestId: ctx.requestId, provider: f.target.breaker, status: failure.status ?? null, failure: failure.kind, durationMs: performance.now() - t0 });
    throw failure;
  }
}

export async function forward(ctx: GatewayContext, input: CallInput, f: Forward): Promise<GatewayResponse> {
  const { model, target, byok, inputEstimate, plan, record, reservation } = f;

  let clamp: number | null = null;
  if (input.op === "chat" && !plan.clientSetMax && reservation.amountMicros < plan.maxMicros) {
    clamp = affordableOutput(model, inputEstimate, reservation.amountMicros, plan.maxOutput, input.choices, byok);
    record.maxTokensClamped = clamp;
    ctx.headers["X-Tollgate-Max-Tokens"] = String(clamp);
  }
  const translated = input.op === "chat" && target.wire !== input.clientWire;
  // Every call's output is bounded: the clamp, else the client's own max, else the model's
  // maximum the hold covers — sent even when the hold covers it, so no provider default applies.
  const maxTokens = clamp ?? (input.op === "chat" && !plan.clientSetMax ? plan.maxOutput : null);
  const body = upstreamBody({ body: input.body, op: input.op, clientWire: input.clientWire, upstreamWire: target.wire, model, stream: input.stream, clamp: maxTokens, maxOutput: plan.maxOutput });

  const releaseWith = async (failure: UpstreamFailure): Promise<never> => {
    const err = mapUpstreamFailure(failure, byok);
    const aborted = failure.kind === "aborted";
    await reservation.release({ ...record, statusCode: aborted ? 499 : statusOf(err), errorCode: aborted ? "CLIENT_CLOSED" : err.code, latencyMs: elapsed(ctx) });
    throw err;
  };

  let upstream: UpstreamResponse;
  try {
    upstream = await callUpstream(ctx, f, JSON.stringify(body));
  } catch (e) {
    return releaseWith(e as UpstreamFailure);
  }

  if (input.stream) {
    const meter: StreamMeter = target.wire === "anthropic" ? new AnthropicMeter() : new OpenAIMeter(input.includeUsage);
    const translator = translated ? streamTranslator(target.wire, input.modelId, input.includeUsage) : undefined;
    return streamResponse({ ctx, upstream, model, meter, record, reservation, inputEstimate, byok, translator });
  }

  let raw: Buffer;
  let json: Record<string, unknown>;
  try {
    raw = await readAll(upstream);
    json = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
  } catch (e) {
    upstream.body.destroy();
    return releaseWith(e instanceof UpstreamFailure ? e : new UpstreamFailure("cut", "upstream sent invalid JSON"));
  }
  const usage: Usage | null = target.wire === "anthropic" ? anthropicUsage(json.usage) : openaiUsage(json.usage);
  const charge = usage ? chargeReported(model, usage, byok) : chargeHold(reservation.amountMicros, inputEstimate, 0, byok);
  const payload: Uint8Array = translated
    ? Buffer.from(JSON.stringify(input.clientWire === "anthropic" ? fromOpenAIResponse(json, input.modelId) : fromAnthropicResponse(json, input.modelId)))
    : raw;

  const booking = reservation.settle({ ...record, statusCode: 200, latencyMs: elapsed(ctx), ttfbMs: Math.round(upstream.headersAt - ctx.startedAt) }, charge, { afterThisTurn: true });
  ctx.holdSlotUntil(booking);
  // X-Credit-Balance-Usd: the balance read under the hold's lock minus this call's charge —
  // exact unless other calls of the account settled in between (then /credits is the truth).
  if (f.balanceMicros !== null) ctx.balanceMicros = f.balanceMicros - charge.chargeMicros - charge.byokFeeMicros;
  // A known length: the body goes out with the headers in one write.
  return { status: 200, headers: { "Content-Type": "application/json", "Content-Length": String(payload.byteLength) }, body: payload };
}

