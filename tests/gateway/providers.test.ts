// Real-provider routing and dialect translation, with the OpenAI and Anthropic providers pointed
// at the mock (it speaks both wire formats): /messages on an OpenAI model and /chat/completions
// on an Anthropic model, streamed and not, through the official SDKs.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCredits, verifyLedger } from "../../lib/ledger";
import { fundedAccount, newKey, setEnv, settled, startGateway, RELAXED_TIMEOUTS, type Gateway } from "./helpers";

let gw: Gateway;
let accountId: string;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  gw = await startGateway({ ...RELAXED_TIMEOUTS, OPENAI_API_KEY: "sk-platform-openai", ANTHROPIC_API_KEY: "sk-ant-platform" });
  setEnv({ OPENAI_BASE_URL: `${gw.mock.url}/v1`, ANTHROPIC_BASE_URL: gw.mock.url });
  ({ accountId } = await fundedAccount(gw.t, { micros: BigInt(20_000_000) }));
  const { key } = await newKey(gw.t, accountId, { tier: "enterprise" });
  openai = new OpenAI({ apiKey: key, baseURL: gw.base, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: key, baseURL: `${gw.app.url}/api`, maxRetries: 0 });
});
afterAll(async () => {
  setEnv({ OPENAI_API_KEY: undefined, ANTHROPIC_API_KEY: undefined });
  await gw?.close();
});

const last = async () => (await (await fetch(`${gw.mock.url}/__last-request`)).json()) as Record<string, unknown>;
const balance = async () => {
  await settled();
  return (await getCredits(gw.t.db, accountId)).balanceMicros;
};

it("configured providers' models are listed", async () => {
  const ids = (await openai.models.list()).data.map((m) => m.id);
  expect(ids).toEqual(expect.arrayContaining(["gpt-4o-mini", "claude-haiku-4-5", "mock-small"]));
});

describe("OpenAI provider", () => {
  it("/chat/completions passes through with the platform key and max_completion_tokens when clamping", async () => {
    const res = await openai.chat.completions.create({ model: "gpt-4o-mini", max_tokens: 10, messages: [{ role: "user", content: "hi #tokens=4" }] });
    expect(res.choices[0].message.content).toBe("tok tok tok tok");
    const seen = await last();
    expect(seen).toMatchObject({ path: "/v1/chat/completions", authorization: "Bearer sk-platform-openai", model: "gpt-4o-mini" });
  });

  it("/messages on an OpenAI model is translated both ways (non-stream)", async () => {
    const before = await balance();
    const msg = await anthropic.messages.create({ model: "gpt-4o-mini", max_tokens: 50, system: "sys", messages: [{ role: "user", content: "translate me #tokens=6" }] });
    expect(msg.type).toBe("message");
    expect(msg.content).toEqual([{ type: "text", text: "tok tok tok tok tok tok" }]);
    expect(msg.usage.output_tokens).toBe(6);
    expect(msg.stop_reason).toBe("end_turn");
    expect((await last()).path).toBe("/v1/chat/completions");
    const inTok = msg.usage.input_tokens;
    expect(before - (await balance())).toBe(BigInt(Math.ceil((inTok * 150_000 + 6 * 600_000) / 1e6)));
  });

  it("/messages stream on an OpenAI model arrives as Anthropic events", async () => {
    const stream = anthropic.messages.stream({ model: "gpt-4o-mini", max_tokens: 50, messages: [{ role: "user", content: "stream translate #tokens=5" }] });
    let text = "";
    stream.on("text", (t) => (text += t));
    const final = await stream.finalMessage();
    expect(text).toBe("tok tok tok tok tok");
    expect(final.usage.output_tokens).toBe(5);
    expect((await last()).includeUsage).toBe(true);
  });
});

describe("Anthropic provider", () => {
  it("/messages passes through with x-api-key", async () => {
    const msg = await anthropic.messages.create({ model: "claude-haiku-4-5", max_tokens: 20, messages: [{ role: "user", content: "hello #tokens=3" }] });
    expect(msg.usage.output_tokens).toBe(3);
    expect(await last()).toMatchObject({ path: "/v1/messages", apiKey: "sk-ant-platform" });
  });

  it("/chat/completions on an Anthropic model is translated both ways (non-stream and stream)", async () => {
    const before = await balance();
    const res = await openai.chat.completions.create({ model: "claude-haiku-4-5", max_tokens: 30, messages: [{ role: "system", content: "be terse" }, { role: "user", content: "hey #tokens=4" }] });
    expect(res.choices[0].message.content).toBe("tok tok tok tok");
    expect(res.choices[0].finish_reason).toBe("stop");
    expect(res.usage?.completion_tokens).toBe(4);
    expect((await last()).path).toBe("/v1/messages");
    const inTok = res.usage!.prompt_tokens;
    expect(before - (await balance())).toBe(BigInt(Math.ceil((inTok * 1_000_000 + 4 * 5_000_000) / 1e6)));

    const stream = await openai.chat.completions.create({ model: "claude-haiku-4-5", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "s #tokens=3" }] });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? "";
      if (c.usage) usage = c.usage;
    }
    expect(text).toBe("tok tok tok");
    expect(usage?.completion_tokens).toBe(3);
    // No client max: the Anthropic call still needs max_tokens; the model max (or a clamp) is sent.
    expect((await last()).maxTokens).toBe(64_000);
  });
});

it("ledger verifies", async () => {
  await settled();
  expect((await verifyLedger(gw.t.db, accountId)).violations).toEqual([]);
});
