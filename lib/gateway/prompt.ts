// UTF-8 size of what a request asks the model to read, for the conservative input estimate.
// Text counts as-is; structured parts (tool calls, tool definitions, JSON schemas) count as
// their JSON; an image counts as IMAGE_BYTES (≈1,000 tokens at 3 bytes/token).
const IMAGE_BYTES = 3_000;

const bytes = (s: string) => Buffer.byteLength(s, "utf8");
const json = (v: unknown) => (v === undefined || v === null ? 0 : bytes(JSON.stringify(v)));

function partBytes(part: unknown): number {
  if (typeof part === "string") return bytes(part);
  if (!part || typeof part !== "object") return 0;
  const p = part as Record<string, unknown>;
  if (typeof p.text === "string") return bytes(p.text);
  const type = typeof p.type === "string" ? p.type : "";
  if (type.includes("image") || type === "document" || type === "input_audio" || type === "file") return IMAGE_BYTES;
  if (type === "tool_result") return contentBytes(p.content);
  if (type === "tool_use") return json(p.input) + bytes(String(p.name ?? ""));
  return json(p);
}

export function contentBytes(content: unknown): number {
  if (typeof content === "string") return bytes(content);
  if (Array.isArray(content)) return content.reduce<number>((n, p) => n + partBytes(p), 0);
  return 0;
}

/** OpenAI chat: message contents, tool calls, names, tools and response format. */
export function chatPromptBytes(body: Record<string, unknown>): number {
  let n = 0;
  for (const m of body.messages as Record<string, unknown>[]) {
    n += contentBytes(m.content);
    if (m.tool_calls) n += json(m.tool_calls);
    if (m.function_call) n += json(m.function_call);
  }
  n += json(body.tools) + json(body.functions) + json(body.response_format);
  return n;
}

/** Anthropic messages: system, message contents, tools. */
export function messagesPromptBytes(body: Record<string, unknown>): number {
  let n = contentBytes(body.system);
  for (const m of body.messages as Record<string, unknown>[]) n += contentBytes(m.content);
  n += json(body.tools);
  return n;
}

/** Embeddings: strings by bytes; token arrays at 3 bytes per token so the estimate is exact. */
export function embeddingsPromptBytes(input: unknown): number {
  if (typeof input === "string") return bytes(input);
  if (!Array.isArray(input)) return 0;
  if (input.every((x) => typeof x === "number")) return input.length * 3;
  return input.reduce<number>((n, x) => n + (typeof x === "string" ? bytes(x) : Array.isArray(x) ? x.length * 3 : 0), 0);
}
