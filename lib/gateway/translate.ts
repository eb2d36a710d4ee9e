// Dialect translation, used only when a client's endpoint and the model's provider differ
// (/messages on an OpenAI model, /chat/completions on an Anthropic model). Covers text, images
// (base64/URL), system prompts, stop sequences, tools and tool results; usage maps both ways.
import type { Usage } from "./billing";
import type { Wire } from "./providers/wire";
import { sseData, type SseEvent } from "./sse";
import type { StreamTranslator } from "./stream";
import type { StreamMeter } from "./usage";

type Obj = Record<string, unknown>;
const rec = (v: unknown): Obj | null => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : null);
const str = (v: unknown): string => (typeof v === "string" ? v : "");
const parse = (s: string | null): Obj | null => {
  if (s === null) return null;
  try {
    return rec(JSON.parse(s));
  } catch {
    return null;
  }
};

const STOP_TO_FINISH: Record<string, string> = { end_turn: "stop", stop_sequence: "stop", max_tokens: "length", tool_use: "tool_calls", refusal: "content_filter" };
const FINISH_TO_STOP: Record<string, string> = { stop: "end_turn", length: "max_tokens", tool_calls: "tool_use", function_call: "tool_use", content_filter: "refusal" };

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((p) => str(rec(p)?.text)).join("");
}

// ---- Anthropic request → OpenAI request -------------------------------------------------

function anthropicBlockToOpenAIPart(block: Obj): Obj | null {
  if (block.type === "text") return { type: "text", text: str(block.text) };
  if (block.type === "image") {
    const src = rec(block.source);
    if (src?.type === "base64") return { type: "image_url", image_url: { url: `data:${str(src.media_type)};base64,${str(src.data)}` } };
    if (src?.type === "url") return { type: "image_url", image_url: { url: str(src.url) } };
  }
  return null;
}

export function toOpenAIRequest(body: Obj): Obj {
  const messages: Obj[] = [];
  const system = textOf(body.system);
  if (system) messages.push({ role: "system", content: system });
  for (const m of body.messages as Obj[]) {
    if (typeof m.content === "string") {
      messages.push({ role: m.role, content: m.content });
      continue;
    }
    const blocks = Array.isArray(m.content) ? (m.content as unknown[]).map(rec).filter((b): b is Obj => b !== null) : [];
    const toolResults = blocks.filter((b) => b.type === "tool_result");
    for (const r of toolResults) messages.push({ role: "tool", tool_call_id: str(r.tool_use_id), content: textOf(r.content) });
    const parts = blocks.map(anthropicBlockToOpenAIPart).filter((p): p is Obj => p !== null);
    const toolUses = blocks.filter((b) => b.type === "tool_use");
    if (m.role === "assistant") {
      const msg: Obj = { role: "assistant", content: parts.map((p) => str(p.text)).join("") || null };
      if (toolUses.length) msg.tool_calls = toolUses.map((t) => ({ id: str(t.id), type: "function", function: { name: str(t.name), arguments: JSON.stringify(t.input ?? {}) } }));
      messages.push(msg);
    } else if (parts.length) messages.push({ role: m.role, content: parts });
  }
  const out: Obj = { model: body.model, messages, max_completion_tokens: body.max_tokens };
  if (body.stream) out.stream = true;
  for (const k of ["temperature", "top_p"] as const) if (body[k] !== undefined) out[k] = body[k];
  if (Array.isArray(body.stop_sequences)) out.stop = body.stop_sequences;
  if (Array.isArray(body.tools)) {
    out.tools = (body.tools as Obj[]).map((t) => ({ type: "function", function: { name: t.name, description: t.description, parameters: t.input_schema } }));
  }
  const meta = rec(body.metadata);
  if (meta?.user_id) out.user = meta.user_id;
  return out;
}

// ---- OpenAI request → Anthropic request -------------------------------------------------

function openaiPartToAnthropicBlock(part: unknown): Obj | null {
  if (typeof part === "string") return { type: "text", text: part };
  const p = rec(part);
  if (!p) return null;
  if (p.type === "text") return { type: "text", text: str(p.text) };
  if (p.type === "image_url") {
    const url = str(rec(p.image_url)?.url);
    const m = /^data:([^;]+);base64,(.*)$/s.exec(url);
    return m ? { type: "image", source: { type: "base64", media_type: m[1], data: m[2] } } : { type: "image", source: { type: "url", url } };
  }
  return null;
}

export function toAnthropicRequest(body: Obj, defaultMax: number): Obj {
  const system: string[] = [];
  const messages: Obj[] = [];
  for (const m of body.messages as Obj[]) {
    if (m.role === "system" || m.role === "developer") {
      system.push(textOf(m.content));
      continue;
    }
    if (m.role === "tool") {
      messages.push({ role: "user", content: [{ type: "tool_result", tool_use_id: str(m.tool_call_id), content: textOf(m.content) }] });
      continue;
    }
    const blocks: Obj[] = typeof m.content === "string" ? [{ type: "text", text: m.content }] : Array.isArray(m.content) ? (m.content as unknown[]).map(openaiPartToAnthropicBlock).filter((b): b is Obj => b !== null) : [];
    if (Array.isArray(m.tool_calls)) {
      for (const c of m.tool_calls as Obj[]) {
        const fn = rec(c.function);
        let input: unknown = {};
        try {
          input = JSON.parse(str(fn?.arguments) || "{}");
        } catch {
          input = {};
        }
        blocks.push({ type: "tool_use", id: str(c.id), name: str(fn?.name), input });
      }
    }
    messages.push({ role: m.role === "assistant" ? "assistant" : "user", content: blocks });
  }
  const max = (body.max_completion_tokens ?? body.max_tokens ?? defaultMax) as number;
  const out: Obj = { model: body.model, messages, max_tokens: max };
  if (system.length) out.system = system.join("\n\n");
  if (body.stream) out.stream = true;
  for (const k of ["temperature", "top_p"] as const) if (body[k] !== undefined && body[k] !== null) out[k] = body[k];
  if (body.stop) out.stop_sequences = Array.isArray(body.stop) ? body.stop : [body.stop];
  if (Array.isArray(body.tools)) {
    out.tools = (body.tools as Obj[]).map((t) => {
      const fn = rec(t.function) ?? {};
      return { name: fn.name, description: fn.description, input_schema: fn.parameters ?? { type: "object", properties: {} } };
    });
  }
  if (typeof body.user === "string") out.metadata = { user_id: body.user };
  return out;
}

// ---- Responses --------------------------------------------------------------------------

function openaiUsageOf(u: Usage | null): Obj | undefined {
  if (!u) return undefined;
  const prompt = u.inputTokens + (u.cachedInputTokens ?? 0) + (u.cacheWriteTokens ?? 0);
  return { prompt_tokens: prompt, completion_tokens: u.outputTokens, total_tokens: prompt + u.outputTokens };
}

export function fromAnthropicResponse(json: Obj, publicModel: string): Obj {
  const blocks = Array.isArray(json.content) ? (json.content as Obj[]) : [];
  const text = blocks.filter((b) => b.type === "text").map((b) => str(b.text)).join("");
  const tools = blocks.filter((b) => b.type === "tool_use");
  const message: Obj = { role: "assistant", content: text || (tools.length ? null : ""), refusal: null };
  if (tools.length) message.tool_calls = tools.map((t) => ({ id: str(t.id), type: "function", function: { name: str(t.name), arguments: JSON.stringify(t.input ?? {}) } }));
  const u = rec(json.usage);
  const out: Obj = {
    id: `chatcmpl-${str(json.id) || "translated"}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: publicModel,
    choices: [{ index: 0, message, logprobs: null, finish_reason: STOP_TO_FINISH[str(json.stop_reason)] ?? "stop" }],
  };
  if (u) {
    const prompt = (Number(u.input_tokens) || 0) + (Number(u.cache_read_input_tokens) || 0) + (Number(u.cache_creation_input_tokens) || 0);
    const completion = Number(u.output_tokens) || 0;
    out.usage = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  }
  return out;
}

export function fromOpenAIResponse(json: Obj, publicModel: string): Obj {
  const choice = rec((json.choices as unknown[] | undefined)?.[0]) ?? {};
  const msg = rec(choice.message) ?? {};
  const content: Obj[] = [];
  if (typeof msg.content === "string" && msg.content) content.push({ type: "text", text: msg.content });
  if (Array.isArray(msg.tool_calls)) {
    for (const c of msg.tool_calls as Obj[]) {
      const fn = rec(c.function) ?? {};
      let input: unknown = {};
      try {
        input = JSON.parse(str(fn.arguments) || "{}");
      } catch {
        input = {};
      }
      content.push({ type: "tool_use", id: str(c.id), name: str(fn.name), input });
    }
  }
  const u = rec(json.usage);
  const out: Obj = {
    id: `msg_${str(json.id) || "translated"}`,
    type: "message",
    role: "assistant",
    model: publicModel,
    content,
    stop_reason: FINISH_TO_STOP[str(choice.finish_reason)] ?? "end_turn",
    stop_sequence: null,
  };
  if (u) out.usage = { input_tokens: Number(u.prompt_tokens) || 0, output_tokens: Number(u.completion_tokens) || 0 };
  return out;
}

// ---- Streams ----------------------------------------------------------------------------

/** Upstream Anthropic events → OpenAI chunks. */
class AnthropicToOpenAI implements StreamTranslator {
  private id = "chatcmpl-translated";
  private readonly created = Math.floor(Date.now() / 1000);
  private toolIndex = -1;

  constructor(
    private readonly model: string,
    private readonly includeUsage: boolean,
  ) {}

  private chunk(choices: unknown[], extra: Obj = {}): string {
    return sseData({ id: this.id, object: "chat.completion.chunk", created: this.created, model: this.model, choices, ...extra });
  }

  onEvent(ev: SseEvent): string {
    const d = parse(ev.data);
    if (!d) return "";
    switch (d.type) {
      case "message_start":
        this.id = `chatcmpl-${str(rec(d.message)?.id)}`;
        return this.chunk([{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }]);
      case "content_block_start": {
        const b = rec(d.content_block);
        if (b?.type !== "tool_use") return "";
        this.toolIndex += 1;
        return this.chunk([{ index: 0, delta: { tool_calls: [{ index: this.toolIndex, id: str(b.id), type: "function", function: { name: str(b.name), arguments: "" } }] }, finish_reason: null }]);
      }
      case "content_block_delta": {
        const delta = rec(d.delta);
        if (delta?.type === "text_delta") return this.chunk([{ index: 0, delta: { content: str(delta.text) }, finish_reason: null }]);
        if (delta?.type === "input_json_delta") return this.chunk([{ index: 0, delta: { tool_calls: [{ index: this.toolIndex, function: { arguments: str(delta.partial_json) } }] }, finish_reason: null }]);
        return "";
      }
      case "message_delta": {
        const stop = str(rec(d.delta)?.stop_reason);
        return stop ? this.chunk([{ index: 0, delta: {}, finish_reason: STOP_TO_FINISH[stop] ?? "stop" }]) : "";
      }
      case "error":
        return this.errorEvent(str(rec(d.error)?.message) || "upstream error", "UPSTREAM_ERROR", "upstream_error");
      default:
        return "";
    }
  }

  finish(meter: StreamMeter): string {
    const usage = openaiUsageOf(meter.usage);
    return (this.includeUsage && usage ? this.chunk([], { usage }) : "") + "data: [DONE]\n\n";
  }

  errorEvent(message: string, code: string, type: string): string {
    return sseData({ error: { message, type, code, param: null } });
  }
}

/** Upstream OpenAI chunks → Anthropic events. */
class OpenAIToAnthropic implements StreamTranslator {
  private started = false;
  private openBlock: { index: number; kind: "text" | "tool"; toolIndex?: number } | null = null;
  private nextBlock = 0;
  private stopReason = "end_turn";

  constructor(private readonly model: string) {}

  private start(id: string): string {
    if (this.started) return "";
    this.started = true;
    const message = { id: `msg_${id || "translated"}`, type: "message", role: "assistant", model: this.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } };
    return sseData({ type: "message_start", message }, "message_start");
  }

  private closeBlock(): string {
    if (!this.openBlock) return "";
    const out = sseData({ type: "content_block_stop", index: this.openBlock.index }, "content_block_stop");
    this.openBlock = null;
    return out;
  }

  onEvent(ev: SseEvent): string {
    const d = parse(ev.data);
    if (!d) return "";
    let out = this.start(str(d.id));
    const choice = rec((d.choices as unknown[] | undefined)?.[0]);
    const delta = rec(choice?.delta);
    if (delta && typeof delta.content === "string" && delta.content) {
      if (this.openBlock?.kind !== "text") {
        out += this.closeBlock();
        this.openBlock = { index: this.nextBlock++, kind: "text" };
        out += sseData({ type: "content_block_start", index: this.openBlock.index, content_block: { type: "text", text: "" } }, "content_block_start");
      }
      out += sseData({ type: "content_block_delta", index: this.openBlock.index, delta: { type: "text_delta", text: delta.content } }, "content_block_delta");
    }
    if (delta && Array.isArray(delta.tool_calls)) {
      for (const c of delta.tool_calls as Obj[]) {
        const fn = rec(c.function) ?? {};
        const ti = Number(c.index ?? 0);
        if (this.openBlock?.kind !== "tool" || this.openBlock.toolIndex !== ti) {
          out += this.closeBlock();
          this.openBlock = { index: this.nextBlock++, kind: "tool", toolIndex: ti };
          out += sseData({ type: "content_block_start", index: this.openBlock.index, content_block: { type: "tool_use", id: str(c.id), name: str(fn.name), input: {} } }, "content_block_start");
        }
        if (typeof fn.arguments === "string" && fn.arguments) {
          out += sseData({ type: "content_block_delta", index: this.openBlock.index, delta: { type: "input_json_delta", partial_json: fn.arguments } }, "content_block_delta");
        }
      }
    }
    if (choice?.finish_reason) this.stopReason = FINISH_TO_STOP[str(choice.finish_reason)] ?? "end_turn";
    if (d.error) out += this.errorEvent(str(rec(d.error)?.message) || "upstream error", "UPSTREAM_ERROR", "api_error");
    return out;
  }

  finish(meter: StreamMeter): string {
    const u = meter.usage;
    return (
      this.start("") +
      this.closeBlock() +
      sseData({ type: "message_delta", delta: { stop_reason: this.stopReason, stop_sequence: null }, usage: { output_tokens: u?.outputTokens ?? 0, input_tokens: u ? u.inputTokens + (u.cachedInputTokens ?? 0) : 0 } }, "message_delta") +
      sseData({ type: "message_stop" }, "message_stop")
    );
  }

  errorEvent(message: string, _code: string, type: string): string {
    return sseData({ type: "error", error: { type, message } }, "error");
  }
}

export function streamTranslator(upstreamWire: Wire, publicModel: string, includeUsage: boolean): StreamTranslator {
  return upstreamWire === "anthropic" ? new AnthropicToOpenAI(publicModel, includeUsage) : new OpenAIToAnthropic(publicModel);
}
