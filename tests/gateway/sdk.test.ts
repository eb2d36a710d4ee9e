// Both official SDKs, unchanged, against the gateway (base URLs /api/v1 and /api).
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCredits, verifyLedger } from "../../lib/ledger";
import { fundedAccount, getJson, mockTokens, newKey, settled, startGateway, RELAXED_TIMEOUTS, type Gateway } from "./helpers";

let gw: Gateway;
let accountId: string;
let key: string;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  gw = await startGateway(RELAXED_TIMEOUTS);
  ({ accountId } = await fundedAccount(gw.t, { micros: BigInt(5_000_000) }));
  ({ key } = await newKey(gw.t, accountId, { tier: "enterprise" }));
  openai = new OpenAI({ apiKey: key, baseURL: gw.base, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: key, baseURL: `${gw.app.url}/api`, maxRetries: 0 });
});
afterAll(async () => {
  await gw?.close();
});

async function balance(): Promise<bigint> {
  await settled();
  return (await getCredits(gw.t.db, accountId)).balanceMicros;
}

describe("OpenAI SDK", () => {
  it("chat completion (non-stream) is answered and charged the reported usage", async () => {
    const before = await balance();
    const prompt = "Hello there, gateway! #tokens=20";
    const { data, response } = await openai.chat.completions.create({ model: "mock-small", messages: [{ role: "user", content: prompt }], max_tokens: 50 }).withResponse();
    expect(data.choices[0].message.content).toBe(Array.from({ length: 20 }, (_, i) => (i ? " tok" : "tok")).join(""));
    expect(data.usage).toMatchObject({ prompt_tokens: mockTokens(prompt), completion_tokens: 20 });
    const expected = BigInt(Math.ceil((mockTokens(prompt) * 500_000 + 20 * 1_500_000) / 1e6));
    expect(before - (await balance())).toBe(expected);
    const rid = response.headers.get("x-request-id")!;
    expect(rid).toBeTruthy();
    expect(response.headers.get("x-ratelimit-limit")).toBe("300");
    expect(response.headers.get("x-credit-balance-usd")).toMatch(/^\d+\.\d{6}$/);
    const detail = await (await getJson(`${gw.base}/requests/${rid}`, key)).json();
    expect(detail).toMatchObject({ id: rid, model: "mock-small", status: 200, usage_source: "reported", input_tokens: mockTokens(prompt), output_tokens: 20, cost_micros: expected.toString() });
  });

  it("chat completion stream delivers chunks and usage when asked", async () => {
    const before = await balance();
    const stream = await openai.chat.completions.create({ model: "mock-small", messages: [{ role: "user", content: "stream please #tokens=8" }], stream: true, stream_options: { include_usage: true } });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("tok tok tok tok tok tok tok tok");
    expect(usage?.completion_tokens).toBe(8);
    const expected = BigInt(Math.ceil((usage!.prompt_tokens * 500_000 + 8 * 1_500_000) / 1e6));
    expect(before - (await balance())).toBe(expected);
  });

  it("streams are passed through as they arrive, not buffered", async () => {
    const started = performance.now();
    const stream = await openai.chat.completions.create({ model: "mock-small", stream: true, messages: [{ role: "user", content: "drip #tokens=6 #interval=150" }] });
    let first: number | null = null;
    for await (const chunk of stream) if (first === null && chunk.choices[0]?.delta?.content) first = performance.now();
    const ended = performance.now();
    expect(first).not.toBeNull();
    expect(ended - first!).toBeGreaterThanOrEqual(600); // five more tokens 150 ms apart came after the first
    expect(first! - started).toBeLessThan(ended - started - 600);
  });

  it("stream without include_usage hides the usage chunk but still bills reported usage", async () => {
    const before = await balance();
    const stream = await openai.chat.completions.create({ model: "mock-small", messages: [{ role: "user", content: "no usage for me #tokens=5" }], stream: true });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => c.choices.length > 0 && !("usage" in c))).toBe(true);
    const inTok = mockTokens("no usage for me #tokens=5");
    expect(before - (await balance())).toBe(BigInt(Math.ceil((inTok * 500_000 + 5 * 1_500_000) / 1e6)));
  });

  it("embeddings", async () => {
    const before = await balance();
    const res = await openai.embeddings.create({ model: "mock-embed", input: ["first text", "second"] });
    expect(res.data).toHaveLength(2);
    expect(res.data[0].embedding.length).toBeGreaterThan(0);
    const tokens = res.usage.prompt_tokens;
    expect(before - (await balance())).toBe(BigInt(Math.ceil((tokens * 20_000) / 1e6)));
  });

  it("models list carries pricing, context and max output", async () => {
    const list = await openai.models.list();
    const ids = list.data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(["mock-small", "mock-large", "mock-embed"]));
    const small = list.data.find((m) => m.id === "mock-small") as unknown as Record<string, unknown>;
    expect(small.pricing).toEqual({ input_per_mtok_usd: 0.5, output_per_mtok_usd: 1.5 });
    expect(small.max_output_tokens).toBe(4096);
    expect(small.context_window).toBeGreaterThan(0);
    // Real providers are listed only when their key is configured.
    if (!process.env.OPENAI_API_KEY) expect(ids).not.toContain("gpt-4o-mini");
  });
});

describe("Anthropic SDK", () => {
  it("messages (non-stream)", async () => {
    const before = await balance();
    const prompt = "Bonjour #tokens=12";
    const msg = await anthropic.messages.create({ model: "mock-large", max_tokens: 100, system: "be brief", messages: [{ role: "user", content: prompt }] });
    expect(msg.content[0]).toMatchObject({ type: "text" });
    expect(msg.usage.output_tokens).toBe(12);
    const inTok = msg.usage.input_tokens;
    expect(before - (await balance())).toBe(BigInt(Math.ceil((inTok * 3_000_000 + 12 * 15_000_000) / 1e6)));
  });

  it("messages stream", async () => {
    const before = await balance();
    const stream = anthropic.messages.stream({ model: "mock-large", max_tokens: 100, messages: [{ role: "user", content: "stream it #tokens=6" }] });
    let text = "";
    stream.on("text", (t) => (text += t));
    const final = await stream.finalMessage();
    expect(text).toBe("tok tok tok tok tok tok");
    expect(final.usage.output_tokens).toBe(6);
    const inTok = final.usage.input_tokens;
    expect(before - (await balance())).toBe(BigInt(Math.ceil((inTok * 3_000_000 + 6 * 15_000_000) / 1e6)));
  });

  it("models list", async () => {
    const page = await anthropic.models.list();
    expect(page.data.map((m) => m.id)).toEqual(expect.arrayContaining(["mock-small", "mock-large"]));
  });

  it("errors arrive in Anthropic's shape with the flat fields", async () => {
    const err = await anthropic.messages.create({ model: "nope-model", max_tokens: 10, messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    const body = (err as InstanceType<typeof Anthropic.NotFoundError>).error as Record<string, unknown>;
    expect(body).toMatchObject({ type: "error", error: { type: "not_found_error" }, code: "MODEL_NOT_FOUND", status: 404 });
    expect(typeof body.request_id).toBe("string");
  });
});

it("ledger stays consistent", async () => {
  await settled();
  const v = await verifyLedger(gw.t.db, accountId);
  expect(v.violations).toEqual([]);
});
