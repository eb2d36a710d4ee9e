// The outgoing request body, as a pure function of the client's body and the call's plan: the
// upstream model id, the clamped max tokens (when the hold could not cover the model maximum and
// the client gave none), dialect translation, and usage always requested on OpenAI streams (the
// meter needs it; it is hidden from clients that did not ask for it).
import type { ModelRow } from "@/lib/models";
import type { Operation, Wire } from "./providers/wire";
import { toAnthropicRequest, toOpenAIRequest } from "./translate";

export interface RewriteInput {
  body: Record<string, unknown>;
  op: Operation;
  clientWire: Wire;
  /** The wire the upstream speaks for this call. */
  upstreamWire: Wire;
  model: Pick<ModelRow, "upstreamModel" | "provider">;
  stream: boolean;
  /** max tokens the gateway sets (clamped, or the model's maximum when the client gave none); null: the client's own. */
  clamp: number | null;
  /** Output tokens the hold covers (Anthropic needs max_tokens when translating). */
  maxOutput: number;
}

export function upstreamBody(i: RewriteInput): Record<string, unknown> {
  let out: Record<string, unknown> = { ...i.body, model: i.model.upstreamModel };
  if (i.op === "chat" && i.clamp !== null) {
    if (i.clientWire === "anthropic") out.max_tokens = i.clamp;
    else out[i.model.provider === "openai" ? "max_completion_tokens" : "max_tokens"] = i.clamp;
  }
  if (i.op === "chat" && i.upstreamWire !== i.clientWire) {
    out = i.upstreamWire === "openai" ? toOpenAIRequest(out) : toAnthropicRequest(out, i.maxOutput);
  }
  if (i.stream && i.upstreamWire === "openai") {
    const so = out.stream_options && typeof out.stream_options === "object" ? (out.stream_options as Record<string, unknown>) : {};
    out.stream_options = { ...so, include_usage: true };
  }
  return out;
}
