// The platform-key allowlist: priced fields pass, unpriced fields, values and headers are a 400
// naming what to remove.
import { describe, expect, it } from "vitest";
import { Refusal } from "../core/refusal";
import { statusOf } from "../errors";
import { assertPlatformAllowed, type ProviderApi } from "./allowlist";

const none = () => null;
function refusal(api: ProviderApi, body: Record<string, unknown>, headers: Record<string, string> = {}): Refusal | null {
  try {
    assertPlatformAllowed(api, body, (n) => headers[n] ?? null);
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(Refusal);
    return e as Refusal;
  }
}

describe("platform-key allowlist", () => {
  it("passes ordinary priced requests of every API", () => {
    expect(() => assertPlatformAllowed("openai-chat", { model: "m", messages: [], max_tokens: 5, temperature: 0.2, stream: true, stream_options: { include_usage: true }, tools: [{ type: "function", function: { name: "f" } }], tool_choice: "auto", response_format: { type: "json_object" }, service_tier: "default", user: "u", reasoning_effort: "low" }, none)).not.toThrow();
    expect(() => assertPlatformAllowed("anthropic-messages", { model: "m", messages: [], max_tokens: 5, system: "s", tools: [{ name: "f", input_schema: {} }], thinking: { type: "enabled", budget_tokens: 1024 }, service_tier: "standard_only", metadata: { user_id: "u" } }, none)).not.toThrow();
    expect(() => assertPlatformAllowed("openai-embeddings", { model: "e", input: "x", dimensions: 8, encoding_format: "float" }, none)).not.toThrow();
  });

  it("refuses beta headers", () => {
    const e = refusal("anthropic-messages", { model: "m", messages: [], max_tokens: 5 }, { "anthropic-beta": "context-1m-2025-08-07" });
    expect(statusOf(e!)).toBe(400);
    expect(e?.param).toBe("anthropic-beta");
    expect(e?.message).toMatch(/X-Provider-Key/);
    expect(refusal("openai-chat", { model: "m", messages: [] }, { "anthropic-beta": "x" })?.param).toBe("anthropic-beta");
  });

  it("refuses priority tiers, server-side tools, audio output and unknown fields", () => {
    expect(refusal("openai-chat", { model: "m", messages: [], service_tier: "priority" })?.param).toBe("service_tier");
    expect(refusal("openai-chat", { model: "m", messages: [], web_search_options: {} })?.param).toBe("web_search_options");
    expect(refusal("openai-chat", { model: "m", messages: [], modalities: ["text", "audio"], audio: { voice: "x" } })?.param).toBe("modalities");
    expect(refusal("openai-chat", { model: "m", messages: [], prediction: { type: "content", content: "x" } })?.param).toBe("prediction");
    expect(refusal("openai-chat", { model: "m", messages: [], tools: [{ type: "web_search" }] })?.param).toBe("tools");
    expect(refusal("anthropic-messages", { model: "m", messages: [], max_tokens: 5, service_tier: "auto" })?.param).toBe("service_tier");
    expect(refusal("anthropic-messages", { model: "m", messages: [], max_tokens: 5, tools: [{ type: "web_search_20250305", name: "web_search" }] })?.message).toMatch(/web_search_20250305/);
    expect(refusal("anthropic-messages", { model: "m", messages: [], max_tokens: 5, mcp_servers: [] })?.param).toBe("mcp_servers");
    expect(refusal("openai-embeddings", { model: "e", input: "x", extra: 1 })?.param).toBe("extra");
  });
});
