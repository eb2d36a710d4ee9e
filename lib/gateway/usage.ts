// Reading token usage out of provider responses, and metering streams event by event: what was
// delivered (for abort billing), whether the stream completed, and the final usage if reported.
import type { Usage } from "./billing";
import { sseData, type SseEvent } from "./sse";

const int = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.floor(v) : null);
const rec = (v: unknown): Record<string, unknown> | null => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

export function openaiUsage(u: unknown): Usage | null {
  const usage = rec(u);
  if (!usage) return null;
  const prompt = int(usage.prompt_tokens);
  if (prompt === null) return null;
  const completion = int(usage.completion_tokens) ?? 0;
  const cached = Math.min(prompt, int(rec(usage.prompt_tokens_details)?.cached_tokens) ?? 0);
  return { inputTokens: prompt - cached, cachedInputTokens: cached, outputTokens: completion };
}

export function anthropicUsage(u: unknown): Usage | null {
  const usage = rec(u);
  if (!usage) return null;
  const input = int(usage.input_tokens);
  const output = int(usage.output_tokens);
  if (input === null || output === null) return null;
  return { inputTokens: input, cachedInputTokens: int(usage.cache_read_input_tokens) ?? 0, cacheWriteTokens: int(usage.cache_creation_input_tokens) ?? 0, outputTokens: output };
}

export interface StreamMeter {
  /** Inspects an event; returns the text to forward ("" drops it). */
  onEvent(ev: SseEvent): string;
  readonly completed: boolean;
  readonly usage: Usage | null;
  deliveredTokens(): number;
  /** A terminal error event in the client's dialect. */
  errorEvent(message: string, code: string, type: string): string;
}

abstract class BaseMeter {
  protected textEvents = 0;
  protected textBytes = 0;
  protected count(text: unknown): void {
    if (typeof text === "string" && text.length > 0) {
      this.textEvents += 1;
      this.textBytes += Buffer.byteLength(text, "utf8");
    }
  }
  /** Providers send about one token per delta; bytes/4 guards against multi-token deltas. */
  deliveredTokens(): number {
    return Math.max(this.textEvents, Math.ceil(this.textBytes / 4));
  }
}

export class OpenAIMeter extends BaseMeter implements StreamMeter {
  completed = false;
  usage: Usage | null = null;
  private sawFinish = false;

  /** includeUsage: the client asked for the usage chunk (we always ask upstream for it). */
  constructor(private readonly includeUsage: boolean) {
    super();
  }

  onEvent(ev: SseEvent): string {
    if (ev.data === null) return ev.raw;
    if (ev.data.trim() === "[DONE]") {
      this.completed = true;
      return ev.raw;
    }
    let chunk: Record<string, unknown> | null = null;
    try {
      chunk = rec(JSON.parse(ev.data));
    } catch {
      return ev.raw;
    }
    if (!chunk) return ev.raw;
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    for (const c of choices) {
      const choice = rec(c);
      const delta = rec(choice?.delta);
      if (delta) {
        this.count(delta.content);
        this.count(delta.refusal);
        this.count(delta.reasoning_content);
        this.count(rec(delta.function_call)?.arguments);
        if (Array.isArray(delta.tool_calls)) for (const t of delta.tool_calls) this.count(rec(rec(t)?.function)?.arguments);
      }
      if (choice?.finish_reason) this.sawFinish = true;
    }
    if (chunk.usage) this.usage = openaiUsage(chunk.usage) ?? this.usage;
    if (this.includeUsage || !("usage" in chunk)) return ev.raw;
    // The client did not ask for usage: hide what we added (the usage-only chunk, usage:null).
    if (choices.length === 0 && chunk.usage) return "";
    delete chunk.usage;
    return sseData(chunk);
  }

  /** Some compatible servers omit [DONE]; a finish_reason followed by a clean end is complete. */
  get finishedCleanly(): boolean {
    return this.sawFinish;
  }

  errorEvent(message: string, code: string, type: string): string {
    return sseData({ error: { message, type, code, param: null } });
  }
}

export class AnthropicMeter extends BaseMeter implements StreamMeter {
  completed = false;
  private start: Record<string, unknown> | null = null;
  private finalOutput: number | null = null;
  private deltaUsage: Record<string, unknown> | null = null;

  onEvent(ev: SseEvent): string {
    if (ev.data === null) return ev.raw;
    let data: Record<string, unknown> | null = null;
    try {
      data = rec(JSON.parse(ev.data));
    } catch {
      return ev.raw;
    }
    const type = data?.type ?? ev.event;
    if (type === "message_start") this.start = rec(rec(data?.message)?.usage);
    else if (type === "content_block_delta") {
      const d = rec(data?.delta);
      this.count(d?.text);
      this.count(d?.partial_json);
      this.count(d?.thinking);
    } else if (type === "message_delta") {
      const u = rec(data?.usage);
      if (u) {
        this.deltaUsage = u;
        this.finalOutput = int(u.output_tokens);
      }
    } else if (type === "message_stop") this.completed = true;
    return ev.raw;
  }

  get usage(): Usage | null {
    if (!this.start || this.finalOutput === null) return null;
    // message_delta may repeat cumulative input counts; prefer them when present.
    const merged = { ...this.start, ...Object.fromEntries(Object.entries(this.deltaUsage ?? {}).filter(([, v]) => v !== null && v !== undefined)) };
    return anthropicUsage({ ...merged, output_tokens: this.finalOutput });
  }

  errorEvent(message: string, _code: string, type: string): string {
    return sseData({ type: "error", error: { type, message } }, "error");
  }
}
