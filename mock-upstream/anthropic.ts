// Anthropic Messages endpoint of the mock (+SSE with the event sequence the official SDK parses).
import type { ServerResponse } from "node:http";
import type { HandlerCtx } from "./context";
import { applyLatencyAndFault, type ErrorWriter } from "./faults";
import { isRecord, positiveIntField, sendCutBody, sendJson, startSse, wait, writeChunk } from "./http";
import { attachmentBytes, contentText, outputPieces, outputText, parseDirectives, tokensForBytes, utf8Bytes } from "./tokens";

export function anthropicError(res: ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { type: "error", error: { type, message } }, headers);
}

const anthropicFault = (res: ServerResponse): ErrorWriter => (kind) =>
  kind === "rate_limit"
    ? anthropicError(res, 429, "rate_limit_error", "Number of requests has exceeded your rate limit (mock upstream).", { "retry-after": "1" })
    : anthropicError(res, 500, "api_error", "Internal server error (mock upstream).");

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export async function messages(ctx: HandlerCtx): Promise<void> {
  const { res, body } = ctx;
  if (typeof body.model !== "string" || body.model === "") {
    return anthropicError(res, 400, "invalid_request_error", "model: Field required");
  }
  // Like the real API, max_tokens is required on /v1/messages.
  const max = positiveIntField(body.max_tokens);
  if (max === undefined) return anthropicError(res, 400, "invalid_request_error", "max_tokens: Field required");
  if (max === "invalid") return anthropicError(res, 400, "invalid_request_error", "max_tokens: Input should be an integer >= 1");
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return anthropicError(res, 400, "invalid_request_error", "messages: at least one message is required");
  }
  let promptBytes = utf8Bytes(contentText(body.system));
  let lastUser = "";
  for (const m of body.messages) {
    if (!isRecord(m)) return anthropicError(res, 400, "invalid_request_error", "messages: each message must be an object");
    const text = contentText(m.content);
    promptBytes += utf8Bytes(text) + attachmentBytes(m.content);
    if (m.role === "user") lastUser = text;
  }
  const stream = body.stream === true;
  ctx.record({ model: body.model, stream, maxTokens: max, includeUsage: null });

  const d = parseDirectives(lastUser);
  const fault = await applyLatencyAndFault(ctx, d, `messages:${lastUser}`, anthropicFault(res));
  if (fault === "done") return;

  const inputTokens = tokensForBytes(promptBytes);
  const outputTokens = Math.min(max, d.tokens);
  const stopReason = max < d.tokens ? "max_tokens" : "end_turn";
  const id = ctx.nextId("msg_mock");
  const model = body.model;
  const usageBase = { cache_creation_input_tokens: 0, cache_read_input_tokens: 0, service_tier: "standard" };

  if (!stream) {
    const message: Record<string, unknown> = {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [{ type: "text", text: outputText(outputTokens) }],
      stop_reason: stopReason,
      stop_sequence: null,
    };
    if (fault !== "no-usage") message.usage = { input_tokens: inputTokens, output_tokens: outputTokens, ...usageBase };
    if (fault === "cut") return sendCutBody(res, message);
    return sendJson(res, 200, message, { "request-id": id });
  }

  startSse(res, { "request-id": id });
  const start: Record<string, unknown> = { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null };
  // Like the real API, message_start reports a provisional output count; message_delta carries the final one.
  if (fault !== "no-usage") start.usage = { input_tokens: inputTokens, output_tokens: 1, ...usageBase };
  if (!writeChunk(res, sse("message_start", { type: "message_start", message: start }))) return;
  writeChunk(res, sse("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }));
  writeChunk(res, sse("ping", { type: "ping" }));
  const pieces = outputPieces(outputTokens);
  const deliver = fault === "cut" ? pieces.slice(0, Math.floor(pieces.length / 2)) : pieces;
  for (const text of deliver) {
    if (!(await wait(d.intervalMs, ctx.signal))) return;
    if (!writeChunk(res, sse("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text } }))) return;
  }
  if (fault === "cut") {
    res.end();
    return;
  }
  writeChunk(res, sse("content_block_stop", { type: "content_block_stop", index: 0 }));
  const delta: Record<string, unknown> = { type: "message_delta", delta: { stop_reason: stopReason, stop_sequence: null } };
  if (fault !== "no-usage") delta.usage = { output_tokens: outputTokens };
  writeChunk(res, sse("message_delta", delta));
  writeChunk(res, sse("message_stop", { type: "message_stop" }));
  res.end();
}

export function listModelsAnthropic(res: ServerResponse, ids: string[]): void {
  const data = ids.map((id) => ({ type: "model", id, display_name: id, created_at: "2024-01-01T00:00:00Z" }));
  sendJson(res, 200, { data, has_more: false, first_id: ids[0] ?? null, last_id: ids[ids.length - 1] ?? null });
}
