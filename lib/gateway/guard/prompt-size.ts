// What a provider may bill as input, estimated conservatively BEFORE the call, so the hold covers
// it. Every part counts: text by its UTF-8 bytes; tool definitions, tool calls, response formats
// and any part we do not recognise by their JSON bytes; documents, files and audio by the bytes
// of their inline data (base64 is longer than what it encodes, so this over-counts); images by a
// fixed bound (providers bill images by pixels after downscaling, not by bytes); and a document
// or file given only by URL or file id, whose size we cannot see, by the model's whole context.
// Bytes become tokens at 3 bytes per token (SPEC rule), and no estimate exceeds the context
// window: a provider never bills more input than a model can read. Where real tokenizers beat
// 3 bytes/token (rare scripts, random strings), the per-call overage bound (overage.ts) caps
// what the account can lose.

/** Upper bound on what one image costs as input, in tokens (largest current provider rule, rounded up). */
export const IMAGE_TOKENS = 6_000;

export interface PromptSize {
  /** Bytes of text-like content (text, JSON of structured parts, inline document/file/audio data). */
  bytes: number;
  images: number;
  /** Documents/files referenced by URL or file id: their size is unknown here. */
  unseen: number;
}

const utf8 = (s: string) => Buffer.byteLength(s, "utf8");
const jsonBytes = (v: unknown) => (v === undefined || v === null ? 0 : utf8(JSON.stringify(v)));
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function add(into: PromptSize, from: PromptSize): void {
  into.bytes += from.bytes;
  into.images += from.images;
  into.unseen += from.unseen;
}

const IMAGE_TYPES = new Set(["image", "image_url", "input_image"]);
const FILE_TYPES = new Set(["document", "file", "input_file", "input_audio", "audio"]);

/** Inline data of a document/file/audio part, or null when it is only a reference (URL, file id). */
function inlineData(p: Record<string, unknown>): unknown {
  // Anthropic: {type:"document", source:{type:"base64"|"text"|"content"|"url"|"file", data|content|url|file_id}}
  const source = isObj(p.source) ? p.source : null;
  if (source) {
    if (source.data !== undefined) return source.data;
    if (source.content !== undefined) return source.content;
    return null;
  }
  // OpenAI chat: {type:"file", file:{file_data | file_id}}; {type:"input_audio", input_audio:{data}}
  const file = isObj(p.file) ? p.file : isObj(p.input_audio) ? p.input_audio : null;
  if (file) return file.file_data ?? file.data ?? null;
  // Responses-style: {type:"input_file", file_data | file_url | file_id}
  return p.file_data ?? p.data ?? null;
}

function partSize(part: unknown): PromptSize {
  const size: PromptSize = { bytes: 0, images: 0, unseen: 0 };
  if (typeof part === "string") {
    size.bytes = utf8(part);
    return size;
  }
  if (!isObj(part)) {
    size.bytes = jsonBytes(part);
    return size;
  }
  const type = typeof part.type === "string" ? part.type : "";
  if (type === "text" && typeof part.text === "string") {
    size.bytes = utf8(part.text);
    return size;
  }
  if (IMAGE_TYPES.has(type)) {
    size.images = 1;
    return size;
  }
  if (FILE_TYPES.has(type)) {
    const data = inlineData(part);
    if (data === null || data === undefined) size.unseen = 1;
    else if (typeof data === "string") size.bytes = utf8(data);
    else add(size, contentSize(data));
    // Titles, context and citations settings are read too.
    size.bytes += utf8(String(part.title ?? "")) + utf8(String(part.context ?? ""));
    return size;
  }
  if (type === "tool_result" || type === "web_search_tool_result" || type === "search_result") {
    add(size, contentSize(part.content));
    size.bytes += utf8(String(part.title ?? ""));
    return size;
  }
  // tool_use, thinking, anything newer: all of its JSON.
  size.bytes = jsonBytes(part);
  return size;
}

/** A message `content` (string or parts), a system prompt, or a tool result's content. */
export function contentSize(content: unknown): PromptSize {
  const size: PromptSize = { bytes: 0, images: 0, unseen: 0 };
  if (typeof content === "string") size.bytes = utf8(content);
  else if (Array.isArray(content)) for (const p of content) add(size, partSize(p));
  else if (content !== undefined && content !== null) add(size, partSize(content));
  return size;
}

function messagesSize(messages: unknown, size: PromptSize): void {
  if (!Array.isArray(messages)) return;
  for (const m of messages) {
    if (!isObj(m)) continue;
    add(size, contentSize(m.content));
    if (m.tool_calls) size.bytes += jsonBytes(m.tool_calls);
    if (m.function_call) size.bytes += jsonBytes(m.function_call);
    if (m.audio) size.bytes += jsonBytes(m.audio);
  }
}

/** OpenAI chat: message contents (every part), tool calls, tools, functions, response format. */
export function chatPromptSize(body: Record<string, unknown>): PromptSize {
  const size: PromptSize = { bytes: 0, images: 0, unseen: 0 };
  messagesSize(body.messages, size);
  size.bytes += jsonBytes(body.tools) + jsonBytes(body.functions) + jsonBytes(body.response_format) + jsonBytes(body.tool_choice);
  return size;
}

/** Anthropic messages: system, message contents (every part), tools. */
export function messagesPromptSize(body: Record<string, unknown>): PromptSize {
  const size = contentSize(body.system);
  messagesSize(body.messages, size);
  size.bytes += jsonBytes(body.tools) + jsonBytes(body.tool_choice);
  return size;
}

/** Embeddings: strings by bytes; token arrays at 3 bytes per token so the estimate is exact. */
export function embeddingsPromptSize(input: unknown): PromptSize {
  const size: PromptSize = { bytes: 0, images: 0, unseen: 0 };
  if (typeof input === "string") size.bytes = utf8(input);
  else if (Array.isArray(input)) {
    if (input.every((x) => typeof x === "number")) size.bytes = input.length * 3;
    else for (const x of input) size.bytes += typeof x === "string" ? utf8(x) : Array.isArray(x) ? x.length * 3 : jsonBytes(x);
  }
  return size;
}

/**
 * Input tokens to hold for: ceil(bytes / 3) + IMAGE_TOKENS per image, the whole context window
 * when any part's size is unseen, never more than the context window, at least 1.
 */
export function inputTokenBound(size: PromptSize, contextWindow: number): number {
  const ctx = Math.max(1, Math.floor(contextWindow));
  if (size.unseen > 0) return ctx;
  const tokens = Math.ceil(size.bytes / 3) + size.images * IMAGE_TOKENS;
  return Math.max(1, Math.min(ctx, tokens));
}
