// `#latency` and `#fault` handling common to every endpoint; only the error body differs per provider.
import type { HandlerCtx } from "./context";
import { hangUntilGone, wait } from "./http";
import type { Directives } from "./tokens";

export type ErrorWriter = (kind: "rate_limit" | "server") => void;

/**
 * Waits `#latency`, then applies the fault if it fires for this request.
 * "done": response already handled (error sent, hang ended, or client gone);
 * "cut" / "no-usage": the caller produces a truncated / usage-less success; null: normal success.
 */
export async function applyLatencyAndFault(
  ctx: HandlerCtx,
  d: Directives,
  key: string,
  sendError: ErrorWriter,
): Promise<"done" | "cut" | "no-usage" | null> {
  if (!(await wait(d.latencyMs, ctx.signal))) return "done";
  if (!ctx.faults.shouldFault(d, key)) return null;
  switch (d.fault) {
    case "429":
      sendError("rate_limit");
      return "done";
    case "500":
      sendError("server");
      return "done";
    case "hang":
      await hangUntilGone(ctx.signal);
      return "done";
    case "cut":
    case "no-usage":
      return d.fault;
    default:
      return null;
  }
}
