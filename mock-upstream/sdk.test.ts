// The official `openai` and `@anthropic-ai/sdk` clients, pointed straight at the mock, must parse
// every response shape it produces (this is what the gateway's users will run against Tollgate).
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockUpstream, type MockUpstream } from "./server";
import { embeddingVector } from "./tokens";

let mock: MockUpstream;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  mock = await startMockUpstream();
  openai = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: "sk-openai-test", maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: mock.url, apiKey: "sk-ant-test", maxRetries: 0 });
});
afterAll(async () => {
  await mock.close();
});

describe("openai client", () => {
  it("non-stream chat completion", async () => {
    const r = await openai.chat.completions.create({
      model: "mock-small",
      messages: [
        { role: "system", content: "be brief" }, // 8 bytes
        { role: "user", content: "say hi #tokens=3" }, // 16 bytes
      ],
    });
    expect(r.choices[0].message.content).toBe("tok tok tok");
    expect(r.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 3, total_tokens: 9 });
  });

  it("streamed chat completion with include_usage, via the SDK's stream helper", async () => {
    const stream = openai.chat.completions.stream({
      model: "mock-small",
      messages: [{ role: "user", content: "#tokens=5" }],
      max_completion_tokens: 4,
      stream_options: { include_usage: true },
    });
    let deltas = 0;
    stream.on("content.delta", () => (deltas += 1));
    const final = await stream.finalChatCompletion();
    expect(deltas).toBe(4);
    expect(final.choices[0].message.content).toBe("tok tok tok tok");
    expect(final.choices[0].finish_reason).toBe("length");
    expect(final.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
  });

  it("raw stream: usage arrives last with empty choices", async () => {
    const stream = await openai.chat.completions.create({
      model: "mock-small",
      messages: [{ role: "user", content: "#tokens=2" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBe(2);
  });

  it("can abort mid-stream (#interval)", async () => {
    const stream = await openai.chat.completions.create({
      model: "mock-small",
      messages: [{ role: "user", content: "#tokens=100 #interval=20" }],
      stream: true,
    });
    let seen = 0;
    for await (const c of stream) {
      if (c.choices[0]?.delta?.content) seen += 1;
      if (seen === 3) stream.controller.abort();
    }
    expect(seen).toBe(3);
  });

  it("embeddings (the SDK asks for base64 by default) and float format", async () => {
    const r = await openai.embeddings.create({ model: "mock-embed", input: ["hello world"] });
    expect(r.data[0].embedding).toEqual(embeddingVector("hello world"));
    expect(r.usage.prompt_tokens).toBe(3);
    const f = await openai.embeddings.create({ model: "mock-embed", input: "hello world", encoding_format: "float" });
    expect(f.data[0].embedding).toEqual(r.data[0].embedding);
  });

  it("models list and typed errors", async () => {
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toEqual(expect.arrayContaining(["mock-small", "mock-large", "mock-embed"]));
    await expect(openai.chat.completions.create({ model: "m", messages: [{ role: "user", content: "#fault=429" }] })).rejects.toBeInstanceOf(
      OpenAI.RateLimitError,
    );
    await expect(openai.chat.completions.create({ model: "m", messages: [{ role: "user", content: "#fault=500" }] })).rejects.toBeInstanceOf(
      OpenAI.InternalServerError,
    );
  });
});

describe("anthropic client", () => {
  it("non-stream message with a system prompt", async () => {
    const r = await anthropic.messages.create({
      model: "mock-large",
      max_tokens: 100,
      system: [{ type: "text", text: "system!!" }], // 8 bytes
      messages: [{ role: "user", content: [{ type: "text", text: "hi #tokens=2" }] }], // 12 bytes
    });
    expect(r.content).toEqual([{ type: "text", text: "tok tok" }]);
    expect(r.usage.input_tokens).toBe(5);
    expect(r.usage.output_tokens).toBe(2);
    expect(r.stop_reason).toBe("end_turn");
  });

  it("streamed message through the SDK's MessageStream accumulator", async () => {
    const stream = anthropic.messages.stream({ model: "mock-small", max_tokens: 3, messages: [{ role: "user", content: "count #tokens=10" }] });
    const texts: string[] = [];
    stream.on("text", (t) => texts.push(t));
    const final = await stream.finalMessage();
    expect(texts).toEqual(["tok", " tok", " tok"]);
    expect(final.usage).toMatchObject({ input_tokens: 4, output_tokens: 3 });
    expect(final.stop_reason).toBe("max_tokens");
  });

  it("raw event sequence", async () => {
    const stream = await anthropic.messages.create({ model: "mock-small", max_tokens: 50, stream: true, messages: [{ role: "user", content: "#tokens=2" }] });
    const types: string[] = [];
    for await (const ev of stream) types.push(ev.type);
    expect(types).toEqual(["message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
  });

  it("typed 429 error with retry-after", async () => {
    const err = await anthropic.messages.create({ model: "m", max_tokens: 5, messages: [{ role: "user", content: "#fault=429" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect((err as InstanceType<typeof Anthropic.RateLimitError>).headers.get("retry-after")).toBe("1");
  });

  it("the key the client sent is visible in /__last-request", async () => {
    await anthropic.messages.create({ model: "mock-small", max_tokens: 1, messages: [{ role: "user", content: "x" }] });
    const last = await (await fetch(`${mock.url}/__last-request`)).json();
    // @anthropic-ai/sdk 1.x sends its apiKey as `Authorization: Bearer` (older versions used x-api-key).
    expect(last).toMatchObject({ model: "mock-small", maxTokens: 1 });
    expect([last.apiKey, last.authorization]).toContain(last.apiKey ? "sk-ant-test" : "Bearer sk-ant-test");
    expect(last.anthropicVersion).toBeTruthy();
  });
});
