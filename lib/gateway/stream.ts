// Streaming proxy: upstream SSE events go to the client as they arrive (pull-driven, so a slow
// client slows the upstream read instead of growing a buffer), metered on the way. The call is
// settled exactly once — when the stream completes, breaks, idles out or the client leaves.
import type { ModelRow } from "@/lib/models";
import { chargeEstimated, chargeHold, chargeReported, type Charge } from "./billing";
import { gatewayConfig } from "./config";
import type { GatewayContext } from "./http";
import { trackSettlement } from "./pending";
import { finishCall, type CallLog } from "./record";
import { SseParser, type SseEvent } from "./sse";
import { bodyChunks, UpstreamFailure, type UpstreamResponse } from "./upstream";
import { OpenAIMeter, type StreamMeter } from "./usage";

export interface StreamCall {
  ctx: GatewayContext;
  upstream: UpstreamResponse;
  model: ModelRow;
  meter: StreamMeter;
  log: CallLog;
  holdMicros: bigint;
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

const encoder = new TextEncoder();

export function streamToClient(call: StreamCall): Response {
  const { ctx, upstream, model, meter, log, translator } = call;
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
  let firstByteAt: number | null = null;
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  ctx.holdSlotUntil(done);

  const finalize = async (outcome: "completed" | "broken" | "aborted", errorCode: string | null) => {
    if (finalized) return;
    finalized = true;
    if (outcome !== "completed") upstream.body.destroy();
    const delivered = meter.deliveredTokens();
    let charge: Charge;
    if (outcome === "completed") {
      charge = meter.usage ? chargeReported(model, meter.usage, call.byok) : chargeHold(call.holdMicros, call.inputEstimate, delivered, call.byok);
    } else {
      charge = chargeEstimated(model, call.inputEstimate, delivered, call.holdMicros, call.byok);
    }
    const now = performance.now();
    try {
      await finishCall(
        {
          ...log,
          statusCode: outcome === "completed" ? 200 : outcome === "aborted" ? 499 : errorCode === "UPSTREAM_TIMEOUT" ? 504 : 502,
          errorCode: outcome === "completed" ? null : outcome === "aborted" ? "CLIENT_CLOSED" : errorCode,
          latencyMs: Math.round(now - ctx.startedAt),
          ttfbMs: firstByteAt === null ? null : Math.round(firstByteAt - ctx.startedAt),
        },
        charge,
      );
    } finally {
      resolveDone();
    }
  };

  // The outcome is fixed once the upstream has finished: finalize() marks it booked before its
  // first await, so a client hanging up right after the last event is not billed as an abort.
  // The booking itself runs while the last events go out (not before them — that put a database
  // round trip at the end of every stream); this instance's /credits, /usage and /requests/{id}
  // wait for it, as they do for non-streamed calls (pending.ts).
  const bookCompleted = () => trackSettlement(ctx.key.accountId, finalize("completed", null));

  const isComplete = (ended: boolean) => meter.completed || (ended && meter instanceof OpenAIMeter && meter.finishedCleanly);

  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          for (;;) {
            const r = await chunks.next();
            if (finalized) return;
            if (r.done) {
              let tail = "";
              for (const ev of parser.end()) tail += forward(ev);
              if (isComplete(true)) {
                if (translator) tail += translator.finish(meter);
                bookCompleted();
                if (tail) controller.enqueue(encoder.encode(tail));
              } else {
                // Book the charge first, so a client that stops at the error event sees it settled.
                await finalize("broken", "UPSTREAM_ERROR");
                const msg = "The upstream provider ended the stream early.";
                controller.enqueue(encoder.encode(tail + errorEvent(msg, "UPSTREAM_ERROR", false)));
              }
              controller.close();
              return;
            }
            let out = "";
            for (const ev of parser.push(r.value)) out += forward(ev);
            if (meter.completed && translator) out += translator.finish(meter);
            if (out) firstByteAt ??= performance.now();
            if (meter.completed) {
              bookCompleted();
              if (out) controller.enqueue(encoder.encode(out));
              upstream.body.resume(); // drain the rest so the connection can be reused
              controller.close();
              return;
            }
            if (out) {
              controller.enqueue(encoder.encode(out));
              return;
            }
          }
        } catch (e) {
          if (finalized) return;
          const timeout = e instanceof UpstreamFailure && e.kind === "timeout";
          const code = timeout ? "UPSTREAM_TIMEOUT" : "UPSTREAM_ERROR";
          const msg = timeout ? "The upstream provider stopped sending data." : "The upstream stream broke.";
          await finalize("broken", code);
          try {
            controller.enqueue(encoder.encode(errorEvent(msg, code, timeout)));
          } catch {
            // client already gone
          }
          try {
            controller.close();
          } catch {
            // already closed
          }
        }
      },
      async cancel() {
        await finalize("aborted", null);
      },
    },
    { highWaterMark: 0 },
  );

  // Next.js also signals a disconnected client through the request's AbortSignal.
  ctx.req.signal?.addEventListener("abort", () => void finalize("aborted", null), { once: true });

  const headers: Record<string, string> = {
    "Content-Type": "text/event-stream; charset=utf-8",
    // no-transform keeps compression middleware from buffering the stream.
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",
  };
  return new Response(body, { status: 200, headers });
}
