// Raw-HTTP tests of the mock: token math, every directive, error shapes and request metadata.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockUpstream, type MockUpstream } from "./server";
import { embeddingVector, parseDirectives, tokensForBytes } from "./tokens";

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream({ port: 0 });
});
afterAll(async () => {
  await mock.close();
});

const AUTH = { authorization: "Bearer sk-test-123", "content-type": "application/json" };

async function post(path: string, body: unknown, headers: Record<string, string> = AUTH, signal?: AbortSignal) {
  return fetch(`${mock.url}${path}`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body), signal });
}

function chat(content: string, extra: Record<string, unknown> = {}) {
  return post("/v1/chat/completions", { model: "mock-small", messages: [{ role: "user", content }], ...extra });
}

/** SSE `data:` payloads (OpenAI) or `{event,data}` pairs, parsed from a finished body. */
function sseEvents(text: string): { event: string | null; data: string }[] {
  return text
    .split("\n\n")
    .filter((b) => b.trim() !== "")
    .map((block) => {
      const lines = block.split("\n");
      const event = lines.find((l) => l.startsWith("event: "))?.slice(7) ?? null;
      const data = lines.filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      return { event, data };
    });
}

describe("token math", () => {
  it("parses directives and ignores look-alikes", () => {
    expect(parseDirectives("hi #tokens=5 #latency=20 #interval=3 #fault=cut")).toEqual({
      tokens: 5,
      latencyMs: 20,
      intervalMs: 3,
      fault: "cut",
      faultFirst: null,
    });
    expect(parseDirectives("nothing here")).toMatchObject({ tokens: 16, latencyMs: 0, fault: null });
    expect(parseDirectives("#fault=nope #tokens=abc").fault).toBeNull();
    expect(parseDirectives("#fault=no-usage").fault).toBe("no-usage");
    expect(parseDirectives("#tokens=99999999999").tokens).toBe(16); // more than 9 digits is not a directive
  });

  it("counts ceil(utf8 bytes / 4) over all messages incl. system and text parts, at least 1", async () => {
    // "héllo" is 6 bytes, system 8 bytes, array parts 3 + 4 bytes → 21 bytes → 6 tokens.
    const res = await post("/v1/chat/completions", {
      model: "mock-small",
      messages: [
        { role: "system", content: "12345678" },
        { role: "assistant", content: "héllo" },
        { role: "user", content: [{ type: "text", text: "abc" }, { type: "image_url", image_url: { url: "x" } }, { type: "text", text: "defg" }] },
      ],
    });
    const body = await res.json();
    expect(body.usage).toEqual({ prompt_tokens: 6, completion_tokens: 16, total_tokens: 22 });
    expect(tokensForBytes(0)).toBe(1);
    const empty = await (await chat("")).json();
    expect(empty.usage.prompt_tokens).toBe(1);
  });

  it("bills inline document, file and audio data like text (images still add nothing)", async () => {
    const doc = "D".repeat(4000);
    const anthropic = await post("/v1/messages", { model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: [{ type: "document", source: { type: "base64", media_type: "application/pdf", data: doc } }, { type: "text", text: "abcd" }] }] }, { ...AUTH, "x-api-key": "k", "anthropic-version": "2023-06-01" });
    expect((await anthropic.json()).usage.input_tokens).toBe(1001);
    const openai = await post("/v1/chat/completions", { model: "mock-small", messages: [{ role: "user", content: [{ type: "file", file: { file_data: doc } }, { type: "input_audio", input_audio: { data: "A".repeat(400), format: "wav" } }] }] });
    expect((await openai.json()).usage.prompt_tokens).toBe(1100);
  });

  it("outputs exactly min(max_tokens, N) tokens of 'tok'", async () => {
    const a = await (await chat("#tokens=5")).json();
    expect(a.choices[0].message.content).toBe("tok tok tok tok tok");
    expect(a.usage.completion_tokens).toBe(5);
    expect(a.choices[0].finish_reason).toBe("stop");
    const b = await (await chat("#tokens=50", { max_tokens: 7 })).json();
    expect(b.usage.completion_tokens).toBe(7);
    expect(b.choices[0].finish_reason).toBe("length");
    const c = await (await chat("x", { max_completion_tokens: 3, max_tokens: 100 })).json();
    expect(c.usage.completion_tokens).toBe(3);
    const d = await (await chat("#tokens=0")).json();
    expect(d.choices[0].message.content).toBe("");
    // Directives only count in the LAST user message.
    const e = await (
      await post("/v1/chat/completions", {
        model: "m",
        messages: [
          { role: "user", content: "#tokens=2" },
          { role: "assistant", content: "ok" },
          { role: "user", content: "again" },
        ],
      })
    ).json();
    expect(e.usage.completion_tokens).toBe(16);
  });

  it("streams one token per chunk, then finish, usage (include_usage) and [DONE]", async () => {
    const res = await chat("#tokens=4 hello", { stream: true, stream_options: { include_usage: true } });
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const events = sseEvents(await res.text());
    expect(events.at(-1)!.data).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.data));
    expect(chunks[0].choices[0].delta.role).toBe("assistant");
    const pieces = chunks.filter((c) => c.choices[0]?.delta?.content).map((c) => c.choices[0].delta.content);
    expect(pieces).toEqual(["tok", " tok", " tok", " tok"]);
    const usageChunk = chunks.at(-1);
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toEqual({ prompt_tokens: 4, completion_tokens: 4, total_tokens: 8 });
    expect(chunks.at(-2).choices[0].finish_reason).toBe("stop");

    const noUsage = sseEvents(await (await chat("#tokens=2", { stream: true })).text());
    expect(noUsage.some((e) => e.data !== "[DONE]" && JSON.parse(e.data).usage)).toBe(false);
  });
});

describe("directives", () => {
  it("#latency delays the first byte", async () => {
    const t0 = performance.now();
    const res = await chat("#latency=150 #tokens=1", { stream: true });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    await res.text();
  });

  it("#interval spaces streamed tokens", async () => {
    const t0 = performance.now();
    await (await chat("#interval=40 #tokens=4", { stream: true })).text();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(150);
  });

  it("#fault=429 answers 429 with Retry-After: 1 in both providers' shapes", async () => {
    const res = await chat("#fault=429");
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("1");
    expect((await res.json()).error).toMatchObject({ code: "rate_limit_exceeded" });
    const a = await post("/v1/messages", { model: "m", max_tokens: 5, messages: [{ role: "user", content: "#fault=429" }] });
    expect(a.status).toBe(429);
    expect(a.headers.get("retry-after")).toBe("1");
    expect(await a.json()).toEqual({ type: "error", error: { type: "rate_limit_error", message: expect.any(String) } });
  });

  it("#fault=500 answers 500", async () => {
    const res = await chat("#fault=500", { stream: true });
    expect(res.status).toBe(500);
    expect((await res.json()).error.type).toBe("server_error");
  });

  it("#fault-first=K faults only the first K identical requests", async () => {
    const msg = `#fault=500 #fault-first=2 ${Math.random()}`;
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await chat(msg)).status);
    expect(statuses).toEqual([500, 500, 200]);
  });

  it("#fault=hang never answers, until the client disconnects", async () => {
    const ac = new AbortController();
    const pending = chat("#fault=hang").catch((e: unknown) => e);
    const aborted = post("/v1/chat/completions", { model: "m", messages: [{ role: "user", content: "#fault=hang" }] }, AUTH, ac.signal).catch(
      (e: Error) => e.name,
    );
    const winner = await Promise.race([pending.then(() => "answered"), new Promise((r) => setTimeout(() => r("still hanging"), 300))]);
    expect(winner).toBe("still hanging");
    ac.abort();
    expect(await aborted).toBe("AbortError");
  });

  it("#fault=cut ends the stream after half the tokens with no usage and no [DONE]", async () => {
    const events = sseEvents(await (await chat("#fault=cut #tokens=10", { stream: true, stream_options: { include_usage: true } })).text());
    expect(events.some((e) => e.data === "[DONE]")).toBe(false);
    const chunks = events.map((e) => JSON.parse(e.data));
    expect(chunks.filter((c) => c.choices[0]?.delta?.content).length).toBe(5);
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks.some((c) => c.choices[0]?.finish_reason)).toBe(false);

    const anth = sseEvents(
      await (await post("/v1/messages", { model: "m", max_tokens: 100, stream: true, messages: [{ role: "user", content: "#fault=cut #tokens=6" }] })).text(),
    );
    expect(anth.filter((e) => e.event === "content_block_delta").length).toBe(3);
    expect(anth.some((e) => e.event === "message_stop" || e.event === "message_delta")).toBe(false);
  });

  it("#fault=cut on a non-stream call drops the connection mid-body", async () => {
    await expect(chat("#fault=cut").then((r) => r.json())).rejects.toThrow();
  });

  it("#fault=no-usage omits usage (non-stream and stream)", async () => {
    const body = await (await chat("#fault=no-usage #tokens=3")).json();
    expect(body.usage).toBeUndefined();
    expect(body.choices[0].message.content).toBe("tok tok tok");
    const events = sseEvents(await (await chat("#fault=no-usage #tokens=3", { stream: true, stream_options: { include_usage: true } })).text());
    expect(events.at(-1)!.data).toBe("[DONE]");
    expect(events.slice(0, -1).some((e) => JSON.parse(e.data).usage)).toBe(false);
    const anth = await (await post("/v1/messages", { model: "m", max_tokens: 5, messages: [{ role: "user", content: "#fault=no-usage" }] })).json();
    expect(anth.usage).toBeUndefined();
  });
});

describe("requests and errors", () => {
  it("rejects calls without a key (401) in each provider's shape", async () => {
    const o = await post("/v1/chat/completions", { model: "m", messages: [] }, { "content-type": "application/json" });
    expect(o.status).toBe(401);
    expect((await o.json()).error.code).toBe("invalid_api_key");
    const a = await post("/v1/messages", {}, { authorization: "Bearer " });
    expect(a.status).toBe(401);
    expect((await a.json()).error.type).toBe("authentication_error");
    const ok = await post("/v1/messages", { model: "m", max_tokens: 1, messages: [{ role: "user", content: "x" }] }, { "x-api-key": "k" });
    expect(ok.status).toBe(200);
  });

  it("answers malformed JSON and invalid fields with 400", async () => {
    const bad = await post("/v1/chat/completions", "{not json");
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.type).toBe("invalid_request_error");
    const badA = await post("/v1/messages", "[1,2]");
    expect(badA.status).toBe(400);
    expect((await badA.json()).type).toBe("error");
    expect((await chat("x", { max_tokens: 0 })).status).toBe(400);
    expect((await chat("x", { max_tokens: 1.5 })).status).toBe(400);
    expect((await post("/v1/chat/completions", { model: "m" })).status).toBe(400);
    const noMax = await post("/v1/messages", { model: "m", messages: [{ role: "user", content: "x" }] });
    expect(noMax.status).toBe(400);
    expect((await post("/v1/embeddings", { model: "e", input: [] })).status).toBe(400);
    expect((await post("/v1/nope", {})).status).toBe(404);
  });

  it("records metadata of the last request (auth header, model, max tokens) — never content", async () => {
    await post(
      "/v1/chat/completions",
      { model: "mock-large", max_tokens: 9, stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "secret" }] },
      { authorization: "Bearer sk-byok-777" },
    ).then((r) => r.text());
    const last = await (await fetch(`${mock.url}/__last-request`)).json();
    expect(last).toMatchObject({ path: "/v1/chat/completions", authorization: "Bearer sk-byok-777", model: "mock-large", maxTokens: 9, stream: true, includeUsage: true });
    expect(JSON.stringify(last)).not.toContain("secret");
    const all = await (await fetch(`${mock.url}/__requests`)).json();
    expect(all.count).toBeGreaterThan(0);
  });

  it("embeddings: tokens over all inputs, deterministic 16-float vectors", async () => {
    const res = await post("/v1/embeddings", { model: "mock-embed", input: ["abcd", "efghi"] });
    const body = await res.json();
    expect(body.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 }); // 9 bytes
    expect(body.data).toHaveLength(2);
    expect(body.data[0].embedding).toEqual(embeddingVector("abcd"));
    expect(body.data[0].embedding).toHaveLength(16);
    const again = await (await post("/v1/embeddings", { model: "mock-embed", input: "abcd" })).json();
    expect(again.data[0].embedding).toEqual(body.data[0].embedding);
    expect(again.usage.prompt_tokens).toBe(1);
  });

  it("serves models for both SDK flavours and closes with hanging clients attached", async () => {
    const o = await (await fetch(`${mock.url}/v1/models`, { headers: AUTH })).json();
    expect(o.data.map((m: { id: string }) => m.id)).toContain("mock-small");
    const a = await (await fetch(`${mock.url}/v1/models`, { headers: { "x-api-key": "k", "anthropic-version": "2023-06-01" } })).json();
    expect(a.data[0].type).toBe("model");

    const other = await startMockUpstream({ port: 0 });
    const req = request(`${other.url}/v1/chat/completions`, { method: "POST", headers: AUTH });
    req.on("error", () => {});
    req.end(JSON.stringify({ model: "m", messages: [{ role: "user", content: "#fault=hang" }] }));
    await new Promise((r) => setTimeout(r, 50));
    await other.close(); // must not wait for the hanging request
  });
});
