// The gateway's pure parts: pricing and rounding, the BYOK fee, hold planning, dialect translation
// both ways (requests, responses, streams), SSE parsing and the outgoing body rewrite.
import { describe, expect, it } from "vitest";
import type { ModelRow } from "@/lib/models";
import { affordableOutput, byokFee, chargeEstimated, chargeHold, chargeReported, planHold, priceFor, usageCost } from "./billing";
import { upstreamBody } from "./rewrite";
import { SseParser } from "./sse";
import { fromAnthropicResponse, fromOpenAIResponse, streamTranslator, toAnthropicRequest, toOpenAIRequest } from "./translate";
import { AnthropicMeter, OpenAIMeter } from "./usage";

const model = {
  id: "m",
  provider: "openai",
  upstreamModel: "up-m",
  kind: "chat",
  inputPriceMicrosPerMtok: 500_000n, // $0.50 / Mtok
  outputPriceMicrosPerMtok: 1_500_000n,
  cachedInputPriceMicrosPerMtok: 250_000n,
  maxOutputTokens: 4096,
} as unknown as ModelRow;

describe("pricing and rounding", () => {
  it("rounds the total up once, to the micro-dollar", () => {
    expect(usageCost(model, { inputTokens: 1, outputTokens: 0 })).toBe(1n); // 0.5 µ$ → 1
    expect(usageCost(model, { inputTokens: 2, outputTokens: 0 })).toBe(1n); // exactly 1
    expect(usageCost(model, { inputTokens: 3, outputTokens: 1 })).toBe(3n); // 1.5 + 1.5 = 3
    expect(usageCost(model, { inputTokens: 1, outputTokens: 1 })).toBe(2n); // 0.5 + 1.5 = 2 (not 1 + 2)
  });
  it("prices cache reads at their own rate and cache writes at 1.25 × input", () => {
    expect(usageCost(model, { inputTokens: 0, cachedInputTokens: 4, outputTokens: 0 })).toBe(1n);
    expect(usageCost(model, { inputTokens: 0, cacheWriteTokens: 8, outputTokens: 0 })).toBe(5n); // 8 × 0.625
    expect(usageCost(model, { inputTokens: 1_000_000, outputTokens: 1_000_000 })).toBe(2_000_000n);
  });
  it("plans a hold from the client max, or from 16 tokens up to the model max", () => {
    expect(planHold(model, 10, 100, 1, false)).toEqual({ minMicros: priceFor(model, 10, 100, false), maxMicros: priceFor(model, 10, 100, false), maxOutput: 100, clientSetMax: true });
    const open = planHold(model, 10, null, 2, false);
    expect(open.minMicros).toBe(priceFor(model, 10, 32, false));
    expect(open.maxMicros).toBe(priceFor(model, 10, 8192, false));
  });
  it("clamps output to what a hold affords, never below the 16-token floor", () => {
    const amount = priceFor(model, 10, 100, false);
    const out = affordableOutput(model, 10, amount, 4096, 1, false);
    expect(priceFor(model, 10, out, false)).toBeLessThanOrEqual(amount);
    expect(priceFor(model, 10, out + 1, false)).toBeGreaterThan(amount);
    expect(affordableOutput(model, 10, 1n, 4096, 1, false)).toBe(16);
  });
  it("charges: reported usage may exceed the hold; an estimate never does; no usage charges the hold", () => {
    expect(chargeReported(model, { inputTokens: 1000, outputTokens: 1000 }, false)).toMatchObject({ chargeMicros: 2000n, byokFeeMicros: 0n, usageSource: "reported" });
    expect(chargeEstimated(model, 1000, 1000, 500n, false)).toMatchObject({ chargeMicros: 500n, usageSource: "estimated" });
    expect(chargeHold(777n, 5, 3, false)).toMatchObject({ chargeMicros: 777n, usageSource: "hold" });
  });
});

describe("BYOK fee", () => {
  it("is 5 % of the equivalent cost, rounded up, at least BYOK_MIN_FEE_MICROS ($0.01)", () => {
    expect(byokFee(0n)).toBe(10_000n);
    expect(byokFee(200_000n)).toBe(10_000n);
    expect(byokFee(200_001n)).toBe(10_001n); // 10,000.05 → 10,001
    expect(byokFee(1_000_000n)).toBe(50_000n);
  });
  it("is charged as a fee, not as credits used for the provider", () => {
    const c = chargeReported(model, { inputTokens: 1_000_000, outputTokens: 1_000_000 }, true);
    expect(c).toMatchObject({ chargeMicros: 0n, byokFeeMicros: 100_000n });
    expect(priceFor(model, 1, 1, true)).toBe(10_000n);
  });
});

describe("translation", () => {
  it("Anthropic request → OpenAI: system, text and images, tool use and results, stop sequences, max tokens", () => {
    const out = toOpenAIRequest({
      model: "m",
      max_tokens: 50,
      system: "be brief",
      stop_sequences: ["END"],
      messages: [
        { role: "user", content: [{ type: "text", text: "look" }, { type: "image", source: { type: "base64", media_type: "image/png", data: "AAA" } }] },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "f", input: { a: 1 } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "42" }] },
      ],
      tools: [{ name: "f", description: "d", input_schema: { type: "object" } }],
    });
    expect(out).toEqual({
      model: "m",
      max_completion_tokens: 50,
      stop: ["END"],
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: [{ type: "text", text: "look" }, { type: "image_url", image_url: { url: "data:image/png;base64,AAA" } }] },
        { role: "assistant", content: null, tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: '{"a":1}' } }] },
        { role: "tool", tool_call_id: "t1", content: "42" },
      ],
      tools: [{ type: "function", function: { name: "f", description: "d", parameters: { type: "object" } } }],
    });
  });
  it("OpenAI request → Anthropic: system and developer joined, tool results as user blocks, default max", () => {
    const out = toAnthropicRequest(
      {
        model: "m",
        stop: "END",
        messages: [
          { role: "system", content: "a" },
          { role: "developer", content: "b" },
          { role: "user", content: "hi" },
          { role: "tool", tool_call_id: "t1", content: "42" },
        ],
      },
      64,
    );
    expect(out).toEqual({
      model: "m",
      max_tokens: 64,
      system: "a\n\nb",
      stop_sequences: ["END"],
      messages: [
        { role: "user", content: [{ type: "text", text: "hi" }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "42" }] },
      ],
    });
  });
  it("responses both ways: text, tool calls, stop reasons and usage", () => {
    const oa = fromAnthropicResponse({ id: "x", content: [{ type: "text", text: "hi" }], stop_reason: "max_tokens", usage: { input_tokens: 3, cache_read_input_tokens: 2, output_tokens: 4 } }, "pub");
    expect(oa).toMatchObject({ id: "chatcmpl-x", model: "pub", choices: [{ message: { content: "hi" }, finish_reason: "length" }], usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 } });
    const an = fromOpenAIResponse({ id: "y", choices: [{ message: { content: null, tool_calls: [{ id: "c", function: { name: "f", arguments: '{"q":2}' } }] }, finish_reason: "tool_calls" }], usage: { prompt_tokens: 7, completion_tokens: 1 } }, "pub");
    expect(an).toMatchObject({ id: "msg_y", content: [{ type: "tool_use", id: "c", name: "f", input: { q: 2 } }], stop_reason: "tool_use", usage: { input_tokens: 7, output_tokens: 1 } });
  });
  it("streams: Anthropic events → OpenAI chunks ending in [DONE]; OpenAI chunks → Anthropic events ending in message_stop", () => {
    const parser = new SseParser();
    const a2o = streamTranslator("anthropic", "pub", true);
    const meter = new AnthropicMeter();
    const upstream =
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m1","usage":{"input_tokens":3}}}\n\n' +
      'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"hey"}}\n\n' +
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":1}}\n\n' +
      'event: message_stop\ndata: {"type":"message_stop"}\n\n';
    let out = "";
    for (const ev of parser.push(new TextEncoder().encode(upstream))) {
      meter.onEvent(ev);
      out += a2o.onEvent(ev);
    }
    out += a2o.finish(meter);
    expect(out).toContain('"delta":{"content":"hey"}');
    expect(out).toContain('"finish_reason":"stop"');
    expect(out).toContain('"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}');
    expect(out.endsWith("data: [DONE]\n\n")).toBe(true);

    const o2a = streamTranslator("openai", "pub", false);
    const om = new OpenAIMeter(true);
    let back = "";
    for (const ev of new SseParser().push(new TextEncoder().encode('data: {"id":"c1","choices":[{"delta":{"content":"yo"}}]}\n\ndata: {"id":"c1","choices":[{"delta":{},"finish_reason":"length"}],"usage":{"prompt_tokens":2,"completion_tokens":1}}\n\ndata: [DONE]\n\n'))) {
      om.onEvent(ev);
      back += o2a.onEvent(ev);
    }
    back += o2a.finish(om);
    const names = [...back.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(names).toEqual(["message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
    expect(back).toContain('"stop_reason":"max_tokens"');
  });
});

describe("SSE parsing", () => {
  it("yields whole events across arbitrary chunk boundaries, with event names, multi-line data and comments", () => {
    const text = ": comment\n\nevent: a\ndata: one\ndata: two\n\ndata: {\"x\":1}\r\n\r\ndata:no-space\n\n";
    const p = new SseParser();
    const events = [];
    for (let i = 0; i < text.length; i += 3) events.push(...p.push(new TextEncoder().encode(text.slice(i, i + 3))));
    events.push(...p.end());
    expect(events.map((e) => [e.event, e.data])).toEqual([
      [null, null], // a comment (keep-alive) is an event of its own, forwarded as is
      ["a", "one\ntwo"],
      [null, '{"x":1}'],
      [null, "no-space"],
    ]);
    expect(events[0].raw).toBe(": comment\n\n");
    expect(events[1].raw).toBe("event: a\ndata: one\ndata: two\n\n");
  });
  it("keeps a multi-byte character split across chunks, and flushes an unterminated last event at the end", () => {
    const bytes = new TextEncoder().encode("data: é\n\ndata: tail");
    const p = new SseParser();
    const first = p.push(bytes.subarray(0, 7)); // splits the two bytes of é
    expect(first).toEqual([]);
    const rest = p.push(bytes.subarray(7));
    expect(rest.map((e) => e.data)).toEqual(["é"]);
    expect(p.end().map((e) => e.data)).toEqual(["tail"]);
  });
});

describe("outgoing body rewrite", () => {
  const base = { body: { model: "m", messages: [{ role: "user", content: "x" }], stream_options: { include_usage: false } }, op: "chat" as const, clientWire: "openai" as const, upstreamWire: "openai" as const, model, maxOutput: 100 };
  it("swaps in the upstream model, asks for usage on streams, and sends the clamp as max_completion_tokens to OpenAI", () => {
    expect(upstreamBody({ ...base, stream: true, clamp: 40 })).toMatchObject({ model: "up-m", max_completion_tokens: 40, stream_options: { include_usage: true } });
    expect(upstreamBody({ ...base, stream: false, clamp: null })).not.toHaveProperty("max_completion_tokens");
  });
  it("translates when the upstream speaks the other dialect (max_tokens from the clamp)", () => {
    const out = upstreamBody({ ...base, upstreamWire: "anthropic", stream: false, clamp: 30 });
    expect(out).toMatchObject({ model: "up-m", max_tokens: 30, messages: [{ role: "user", content: [{ type: "text", text: "x" }] }] });
  });
});
