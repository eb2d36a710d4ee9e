// Pure parts of the gateway's abuse limits: prompt-size bound, overage bound, client request
// ids, the stream guard's timers.
import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { clientRequestIdFrom, isValidClientRequestId } from "./client-request-id";
import { boundOverage } from "./overage";
import { chatPromptSize, embeddingsPromptSize, IMAGE_TOKENS, inputTokenBound, messagesPromptSize } from "./prompt-size";
import { StreamGuard, type StreamLimit } from "./stream-guard";

const MiB = 1024 * 1024;
const b64 = (bytes: number) => "A".repeat(Math.ceil(bytes / 3) * 4);

describe("prompt size", () => {
  it("counts plain text by UTF-8 bytes, as before", () => {
    const s = chatPromptSize({ messages: [{ role: "user", content: "héllo" }] });
    expect(s).toEqual({ bytes: 6, images: 0, unseen: 0 });
    expect(inputTokenBound(s, 1000)).toBe(2);
  });

  it("counts an Anthropic base64 document by its data, not a flat 1,000 tokens", () => {
    const data = b64(3 * MiB);
    const s = messagesPromptSize({ messages: [{ role: "user", content: [{ type: "document", source: { type: "base64", media_type: "application/pdf", data } }, { type: "text", text: "summarise" }] }] });
    expect(s.bytes).toBe(data.length + 9);
    expect(inputTokenBound(s, 10_000_000)).toBe(Math.ceil((data.length + 9) / 3));
  });

  it("counts OpenAI file and audio parts by their inline data", () => {
    const s = chatPromptSize({
      messages: [
        {
          role: "user",
          content: [
            { type: "file", file: { filename: "a.pdf", file_data: `data:application/pdf;base64,${b64(1000)}` } },
            { type: "input_audio", input_audio: { data: b64(3000), format: "wav" } },
          ],
        },
      ],
    });
    expect(s.bytes).toBe(`data:application/pdf;base64,${b64(1000)}`.length + b64(3000).length);
  });

  it("bounds images by IMAGE_TOKENS each, whatever their byte size", () => {
    const s = chatPromptSize({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: `data:image/png;base64,${b64(2 * MiB)}` } }, { type: "image_url", image_url: { url: "https://x/y.png" } }] }] });
    expect(s).toEqual({ bytes: 0, images: 2, unseen: 0 });
    expect(inputTokenBound(s, 1_000_000)).toBe(2 * IMAGE_TOKENS);
  });

  it("holds the whole context for a document given only by URL or file id", () => {
    const url = messagesPromptSize({ messages: [{ role: "user", content: [{ type: "document", source: { type: "url", url: "https://x/big.pdf" } }] }] });
    const file = chatPromptSize({ messages: [{ role: "user", content: [{ type: "file", file: { file_id: "file-abc" } }] }] });
    expect(url.unseen).toBe(1);
    expect(file.unseen).toBe(1);
    expect(inputTokenBound(url, 200_000)).toBe(200_000);
  });

  it("counts tool definitions, tool calls, tool results, system blocks and unknown parts", () => {
    const tools = [{ name: "get_weather", description: "d".repeat(600), input_schema: { type: "object" } }];
    const s = messagesPromptSize({
      system: [{ type: "text", text: "sys" }],
      tools,
      messages: [
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "get_weather", input: { city: "Paris" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: "sunny" }] }, { type: "brand_new_part", payload: "x".repeat(100) }] },
      ],
    });
    const toolUse = JSON.stringify({ type: "tool_use", id: "t1", name: "get_weather", input: { city: "Paris" } }).length;
    const unknown = JSON.stringify({ type: "brand_new_part", payload: "x".repeat(100) }).length;
    expect(s.bytes).toBe(3 + JSON.stringify(tools).length + toolUse + 5 + unknown);
  });

  it("never exceeds the context window, never goes below 1", () => {
    expect(inputTokenBound({ bytes: 30 * MiB, images: 0, unseen: 0 }, 32_768)).toBe(32_768);
    expect(inputTokenBound({ bytes: 0, images: 0, unseen: 0 }, 32_768)).toBe(1);
  });

  it("embeddings: strings by bytes, token arrays exactly", () => {
    expect(embeddingsPromptSize(["ab", "cde"]).bytes).toBe(5);
    expect(inputTokenBound(embeddingsPromptSize([[1, 2, 3], [4]]), 8192)).toBe(4);
  });
});

describe("overage bound", () => {
  const m = (n: number) => BigInt(n);
  it("charges usage up to the hold plus the bound and writes off the rest", () => {
    expect(boundOverage(m(900), m(1000), m(50))).toEqual({ amountMicros: m(900), overageMicros: m(0), unchargedMicros: m(0) });
    expect(boundOverage(m(1030), m(1000), m(50))).toEqual({ amountMicros: m(1030), overageMicros: m(30), unchargedMicros: m(0) });
    expect(boundOverage(m(520_000), m(22_000), m(50_000))).toEqual({ amountMicros: m(72_000), overageMicros: m(50_000), unchargedMicros: m(448_000) });
  });
  it("a zero (or negative) bound never charges beyond the hold", () => {
    expect(boundOverage(m(2000), m(1000), m(0)).amountMicros).toBe(m(1000));
    expect(boundOverage(m(2000), m(1000), m(-5)).amountMicros).toBe(m(1000));
  });
});

describe("client request id", () => {
  const from = (h: Record<string, string>) => clientRequestIdFrom((n) => h[n] ?? null);
  it("prefers X-Client-Request-Id, falls back to X-Request-Id, none is null", () => {
    expect(from({ "x-client-request-id": "mine-1", "x-request-id": "proxy-2" })).toBe("mine-1");
    expect(from({ "x-request-id": "550e8400-e29b-41d4-a716-446655440000" })).toBe("550e8400-e29b-41d4-a716-446655440000");
    expect(from({})).toBeNull();
    expect(from({ "x-request-id": "  " })).toBeNull();
  });
  it("refuses hostile ids with a 400 naming the header", () => {
    for (const bad of ["a".repeat(129), "has space", "quote\"d", "semi;colon", "new\nline", "é"]) {
      expect(isValidClientRequestId(bad)).toBe(false);
      let err: unknown;
      try {
        from({ "x-client-request-id": bad });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).status).toBe(400);
      expect((err as AppError).param).toBe("X-Client-Request-Id");
    }
    expect(isValidClientRequestId("a".repeat(128))).toBe(true);
    expect(isValidClientRequestId("trace:00-abc/def+g=@x~y.z_-1")).toBe(true);
  });
});

describe("stream guard", () => {
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
  it("ends a stream whose reader stopped asking for events", async () => {
    const fired: StreamLimit[] = [];
    const g = new StreamGuard({ maxMs: 10_000, stallMs: 60, onLimit: (l) => fired.push(l) }).start();
    g.handedOver();
    await wait(30);
    g.pulled(); // the reader is keeping up
    g.handedOver();
    await wait(30);
    expect(fired).toEqual([]);
    await wait(80); // now it stopped
    expect(fired).toEqual(["stalled"]);
    expect(g.limit).toBe("stalled");
    g.stop();
  });
  it("a slow upstream is not a stalled reader; the total duration cap still applies", async () => {
    const fired: StreamLimit[] = [];
    const g = new StreamGuard({ maxMs: 120, stallMs: 40, onLimit: (l) => fired.push(l) }).start();
    g.pulled(); // waiting for upstream data, reader is ready
    await wait(80);
    expect(fired).toEqual([]);
    await wait(80);
    expect(fired).toEqual(["duration"]);
  });
  it("stop() disarms both limits", async () => {
    const fired: StreamLimit[] = [];
    const g = new StreamGuard({ maxMs: 30, stallMs: 20, onLimit: (l) => fired.push(l) }).start();
    g.handedOver();
    g.stop();
    await wait(60);
    expect(fired).toEqual([]);
  });
});
