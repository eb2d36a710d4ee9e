// The stream responder: upstream SSE events go to the client as they arrive, metered on the way.
// The body is an async iterator the transport pulls from, so a slow client slows the upstream
// read instead of growing a buffer. The call's reservation is closed exactly once — when the
// stream completes, breaks, idles out, or the client leaves (the transport calls return(), or
// the request's signal aborts).
import type { ModelRow } from "@/lib/models";
import { chargeEstimated, chargeHold, chargeReported, type Charge } from "./billing";
import { elapsed } from "./call";
import { gatewayConfig } from "./config";
import type { GatewayContext } from "./core/context";
import type { GatewayResponse } from "./core/types";
import { env } from "@/lib/env";
import { StreamGuard, streamLimits, type StreamLimit } from "./guard/stream-guard";
import type { CallRecord, Reservation } from "./reservation";
import { SseParser, type SseEvent } from "./sse";
import { bodyChunks, UpstreamFailure, type UpstreamResponse } from "./upstream";
import { OpenAIMeter, type StreamMeter } from "./usage";

export interface StreamCall {
  ctx: GatewayContext;
  upstream: UpstreamResponse;
  model: ModelRow;
  meter: StreamMeter;
  record: CallRecord;
  reservation: Reservation;
  inputEstimate: number;
  byok: boolean;
  /** Rewrites upstream events into the client's dialect when they differ. */
  translator?: StreamTranslator;
}

export interface StreamTranslator {
  onEvent(ev: SseEvent): string;
  /** Events to emit at a clean end (e.g. the closing events of the other dialect). */
  finish(meter: StreamMeter): string;
  errorEvent(message: string, code: string, type: string): string;
}

export const SSE_HEADERS: Record<string, string> = {
  "Content-Type": "text/event-stream; charset=utf-8",
  // no-transform keeps compression middleware from buffering the stream.
  "Cache-Control": "no-cache, no-transform",
  "X-Accel-Buffering": "no",
};

const encoder = new TextEncoder();
const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };
const chunk = (s: string): IteratorYieldResult<Uint8Array> => ({ done: false, value: encoder.encode(s) });

type Outcome = "completed" | "broken" | "aborted";

// How a stream ended by a limit is logged: the server cut a too-long stream (504-like), or the
// client stopped reading (499-like, as a hang-up). Both are billed as aborts.
const LIMIT_LOG: Record<StreamLimit, { statusCode: number; errorCode: string }> = {
  duration: { statusCode: 504, errorCode: "STREAM_TIME_LIMIT" },
  stalled: { statusCode: 499, errorCode: "CLIENT_STALLED" },
};

export function streamResponse(call: StreamCall): GatewayResponse {
  const { ctx, upstream, model, meter, record, reservation, translator } = call;
  const forward = (ev: SseEvent): string => {
    const passthrough = meter.onEvent(ev);
    return translator ? translator.onEvent(ev) : passthrough;
  };
  const errorEvent = (message: string, code: string, timeout: boolean): string => {
    const type = ctx.format === "anthropic" ? (timeout ? "timeout_error" : "api_error") : "upstream_error";
    return (translator ?? meter).errorEvent(message, code, type);
  };
  const parser = new SseParser();
  const chunks = bodyChunks(upstream.body, gatewayConfig.idleTimeoutMs());
  let finalized = false;
  let ended = false;
  let firstByteAt: number | null = null;
  let resolveDone!: () => void;
  ctx.holdSlotUntil(new Promise<void>((r) => (resolveDone = r)));

  // The outcome is fixed the moment this runs (finalized is set before any await), so a client
  // hanging up right after the last event is not billed as an abort. A completed stream's
  // booking runs while its last events go out; a broken one is booked before the error event,
  // so a client that stops reading there already sees it settled.
  const finalize = (outcome: Outcome, errorCode: string | null, limit?: StreamLimit): Promise<unknown> => {
    if (finalized) return Promise.resolve();
    finalized = true;
    guard.stop();
    if (outcome !== "completed") upstream.body.destroy();
    const delivered = meter.deliveredTokens();
    let charge: Charge;
    if (outcome === "completed") charge = meter.usage ? chargeReported(model, meter.usage, call.byok) : chargeHold(reservation.amountMicros, call.inputEstimate, delivered, call.byok);
    else charge = chargeEstimated(model, call.inputEstimate, delivered, reservation.amountMicros, call.byok);
    const statusCode = limit ? LIMIT_LOG[limit].statusCode : outcome === "completed" ? 200 : outcome === "aborted" ? 499 : errorCode === "UPSTREAM_TIMEOUT" ? 504 : 502;
    const booking = reservation.settle(
      {
        ...record,
        statusCode,
        errorCode: limit ? LIMIT_LOG[limit].errorCode : outcome === "completed" ? null : outcome === "aborted" ? "CLIENT_CLOSED" : errorCode,
        latencyMs: elapsed(ctx),
        ttfbMs: firstByteAt === null ? null : Math.round(firstByteAt - ctx.startedAt),
      },
      charge,
    );
    booking.then(resolveDone, resolveDone);
    return booking;
  };
  const isComplete = (ended: boolean) => meter.completed || (ended && meter instanceof OpenAIMeter && meter.finishedCleanly);

  // The duration cap and the slow-reader bound (guard/stream-guard.ts): either ends the call as
  // an abort — the upstream connection is closed, the hold settled, the slot freed — whether or
  // not the client ever reads again. A client still reading after the duration cap gets an
  // error event before the end.
  let limitNotice: string | null = null;
  const guard = new StreamGuard({
    ...streamLimits(env()),
    onLimit(limit) {
      if (limit === "duration") limitNotice = errorEvent(`The stream exceeded the gateway's limit of ${env().STREAM_MAX_SECONDS} s and was ended.`, "STREAM_TIME_LIMIT", true);
      void finalize("aborted", null, limit);
    },
  }).start();
  const handOver = (r: IteratorResult<Uint8Array>): IteratorResult<Uint8Array> => {
    if (!r.done) guard.handedOver();
    return r;
  };

  async function next(): Promise<IteratorResult<Uint8Array>> {
    guard.pulled();
    return handOver(await pull());
  }

  async function pull(): Promise<IteratorResult<Uint8Array>> {
    if (limitNotice) {
      const notice = limitNotice;
      limitNotice = null;
      ended = true;
      return chunk(notice);
    }
    if (ended || finalized) {
      ended = true;
      return DONE;
    }
    try {
      for (;;) {
        const r = await chunks.next();
        if (finalized) {
          ended = true; // the client left meanwhile, or a limit ended the call
          return limitNotice ? pull() : DONE;
        }
        if (r.done) {
          ended = true;
          let tail = "";
          for (const ev of parser.end()) tail += forward(ev);
          if (isComplete(true)) {
            if (translator) tail += translator.finish(meter);
            void finalize("completed", null);
            return tail ? chunk(tail) : DONE;
          }
          await finalize("broken", "UPSTREAM_ERROR");
          return chunk(tail + errorEvent("The upstream provider ended the stream early.", "UPSTREAM_ERROR", false));
        }
        let out = "";
        for (const ev of parser.push(r.value)) out += forward(ev);
        if (meter.completed && translator) out += translator.finish(meter);
        if (out) firstByteAt ??= performance.now();
        if (meter.completed) {
          ended = true;
          void finalize("completed", null);
          upstream.body.resume(); // drain the rest so the connection can be reused
          return out ? chunk(out) : DONE;
        }
        if (out) return chunk(out);
      }
    } catch (e) {
      ended = true;
      if (finalized) return limitNotice ? pull() : DONE;
      const timeout = e instanceof UpstreamFailure && e.kind === "timeout";
      const code = timeout ? "UPSTREAM_TIMEOUT" : "UPSTREAM_ERROR";
      await finalize("broken", code);
      return chunk(errorEvent(timeout ? "The upstream provider stopped sending data." : "The upstream stream broke.", code, timeout));
    }
  }

  const body: AsyncIterableIterator<Uint8Array> = {
    [Symbol.asyncIterator]() {
      return this;
    },
    next,
    async return() {
      ended = true;
      await finalize("aborted", null);
      return DONE;
    },
  };
  // A client that disconnects while the transport waits for the next event.
  if (ctx.req.signal.aborted) void finalize("aborted", null);
  else ctx.req.signal.addEventListener("abort", () => void finalize("aborted", null), { once: true });
  return { status: 200, headers: { ...SSE_HEADERS }, body };
}
