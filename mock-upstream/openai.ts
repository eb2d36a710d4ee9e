// OpenAI-compatible endpoints of the mock: chat completions (+SSE), embeddings, models.
import type { ServerResponse } from "node:http";
import { applyLatencyAndFault, type ErrorWriter } from "./faults";
import { isRecord, positiveIntField, sendCutBody, sendJson, startSse, wait, writeChunk } from "./http";
import type { HandlerCtx } from "./context";
import {
  attachmentBytes,
  contentText,
  embeddingBase64,
  embeddingVector,
  outputPieces,
  outputText,
  parseDirectives,
  tokensForBytes,
  utf8Bytes,
} from "./tokens";

export const MOCK_MODEL_IDS = ["mock-small", "mock-large", "mock-embed"];

export function openaiError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null = null,
  param: string | null = null,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { message, type, param, code } }, headers);
}

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

const openaiFault = (res: ServerResponse): ErrorWriter => (kind) =>
  kind === "rate_limit"
    ? openaiError(res, 429, "Rate limit reached for requests (mock upstream).", "requests", "rate_limit_exceeded", null, { "retry-after": "1" })
    : openaiError(res, 500, "The server had an error while processing your request (mock upstream).", "server_error");

export async function chatCompletions(ctx: HandlerCtx): Promise<void> {
  const { res, body } = ctx;
  if (typeof body.model !== "string" || body.model === "") {
    return openaiError(res, 400, "you must provide a model parameter", "invalid_request_error", null, "model");
  }
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return openaiError(res, 400, "'messages' must be a non-empty array", "invalid_request_error", null, "messages");
  }
  const maxCompletion = positiveIntField(body.max_completion_tokens);
  const maxTokens = positiveIntField(body.max_tokens);
  if (maxCompletion === "invalid" || maxTokens === "invalid") {
    const param = maxCompletion === "invalid" ? "max_completion_tokens" : "max_tokens";
    return openaiError(res, 400, `Invalid '${param}': expected an integer >= 1.`, "invalid_request_error", "integer_below_min_value", param);
  }
  let promptBytes = 0;
  let lastUser = "";
  for (const m of body.messages) {
    if (!isRecord(m)) return openaiError(res, 400, "each message must be an object", "invalid_request_error", null, "messages");
    const text = contentText(m.content);
    promptBytes += utf8Bytes(text) + attachmentBytes(m.content);
    if (m.role === "user") lastUser = text;
  }
  const stream = body.stream === true;
  const streamOptions = isRecord(body.stream_options) ? body.stream_options : {};
  const includeUsage = stream && streamOptions.include_usage === true;
  const max = maxCompletion ?? maxTokens;
  ctx.record({ model: body.model, stream, maxTokens: max ?? null, includeUsage: stream ? includeUsage : null });

  const d = parseDirectives(lastUser);
  const fault = await applyLatencyAndFault(ctx, d, `chat:${lastUser}`, openaiFault(res));
  if (fault === "done") return;

  const promptTokens = tokensForBytes(promptBytes);
  const completionTokens = Math.min(max ?? d.tokens, d.tokens);
  const finishReason = max !== undefined && max < d.tokens ? "length" : "stop";
  const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
  const id = ctx.nextId("chatcmpl-mock");
  const created = unixNow();
  const model = body.model;

  if (!stream) {
    const completion: Record<string, unknown> = {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [
        { index: 0, message: { role: "assistant", content: outputText(completionTokens), refusal: null }, logprobs: null, finish_reason: finishReason },
      ],
      system_fingerprint: null,
    };
    if (fault !== "no-usage") completion.usage = usage;
    if (fault === "cut") return sendCutBody(res, completion);
    return sendJson(res, 200, completion, { "x-request-id": id });
  }

  startSse(res, { "x-request-id": id });
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => {
    const c: Record<string, unknown> = { id, object: "chat.completion.chunk", created, model, system_fingerprint: null, choices, ...extra };
    if (includeUsage && !("usage" in extra)) c.usage = null;
    return `data: ${JSON.stringify(c)}\n\n`;
  };
  if (!writeChunk(res, chunk([{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }]))) return;
  const pieces = outputPieces(completionTokens);
  const deliver = fault === "cut" ? pieces.slice(0, Math.floor(pieces.length / 2)) : pieces;
  for (const piece of deliver) {
    if (!(await wait(d.intervalMs, ctx.signal))) return;
    if (!writeChunk(res, chunk([{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }]))) return;
  }
  if (fault === "cut") {
    res.end();
    return;
  }
  writeChunk(res, chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason }]));
  if (includeUsage && fault !== "no-usage") writeChunk(res, chunk([], { usage }));
  writeChunk(res, "data: [DONE]\n\n");
  res.end();
}

export async function embeddings(ctx: HandlerCtx): Promise<void> {
  const { res, body } = ctx;
  if (typeof body.model !== "string" || body.model === "") {
    return openaiError(res, 400, "you must provide a model parameter", "invalid_request_error", null, "model");
  }
  const raw = body.input;
  const inputs: (string | number[])[] = typeof raw === "string" ? [raw] : Array.isArray(raw) && raw.every((x) => typeof x === "number") ? [raw as number[]] : Array.isArray(raw) ? (raw as (string | number[])[]) : [];
  const valid =
    inputs.length > 0 &&
    inputs.length <= 2048 &&
    inputs.every((x) => (typeof x === "string" && x.length > 0) || (Array.isArray(x) && x.length > 0 && x.every((n) => Number.isInteger(n))));
  if (!valid) return openaiError(res, 400, "'input' must be a non-empty string or array of non-empty strings/token arrays", "invalid_request_error", null, "input");
  const format = body.encoding_format ?? "float";
  if (format !== "float" && format !== "base64") {
    return openaiError(res, 400, "'encoding_format' must be 'float' or 'base64'", "invalid_request_error", null, "encoding_format");
  }
  ctx.record({ model: body.model, stream: false, maxTokens: null, includeUsage: null });

  let bytes = 0;
  let tokenArrayTokens = 0;
  let lastText = "";
  for (const x of inputs) {
    if (typeof x === "string") {
      bytes += utf8Bytes(x);
      lastText = x;
    } else {
      tokenArrayTokens += x.length;
    }
  }
  const d = parseDirectives(lastText);
  const fault = await applyLatencyAndFault(ctx, d, `embed:${lastText}`, openaiFault(res));
  if (fault === "done") return;

  const promptTokens = bytes > 0 ? tokensForBytes(bytes) + tokenArrayTokens : tokenArrayTokens;
  const data = inputs.map((x, index) => {
    const vector = embeddingVector(typeof x === "string" ? x : x.join(","));
    return { object: "embedding", index, embedding: format === "base64" ? embeddingBase64(vector) : vector };
  });
  const out: Record<string, unknown> = { object: "list", data, model: body.model };
  if (fault !== "no-usage") out.usage = { prompt_tokens: promptTokens, total_tokens: promptTokens };
  if (fault === "cut") return sendCutBody(res, out);
  sendJson(res, 200, out);
}

export function listModels(res: ServerResponse): void {
  const created = 1_700_000_000;
  sendJson(res, 200, { object: "list", data: MOCK_MODEL_IDS.map((id) => ({ id, object: "model", created, owned_by: "tollgate-mock" })) });
}
