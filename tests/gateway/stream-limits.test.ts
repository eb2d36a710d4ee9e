// Streams cannot hold an upstream socket, a hold and a concurrency slot for ever: a client that
// stops reading is cut off after STREAM_STALL_SECONDS, and every stream ends after
// STREAM_MAX_SECONDS — both billed by the abort rule (input estimate + delivered output, never
// above the hold).
import http from "node:http";
import OpenAI from "openai";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holds, models, requests } from "../../db/schema";
import { verifyLedger } from "../../lib/ledger";
import { fundedAccount, newKey, setEnv, settled, sleep, startGateway, type Gateway } from "./helpers";

let gw: Gateway;
beforeAll(async () => {
  // The mock writes a long stream in one go before its first byte leaves: give it time.
  gw = await startGateway({ UPSTREAM_FIRST_BYTE_TIMEOUT_MS: "60000", UPSTREAM_IDLE_TIMEOUT_MS: "60000", STREAM_STALL_SECONDS: "1", STREAM_MAX_SECONDS: "900" });
  // A model with a huge output, so a stream carries far more than socket buffers hold (~25 MB).
  await gw.t.db.update(models).set({ maxOutputTokens: 1_000_000 }).where(eq(models.id, "mock-large"));
});
afterAll(async () => {
  await gw?.close();
});

async function rowOf(requestId: string, timeoutMs: number) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    await settled();
    const [row] = await gw.t.db.select().from(requests).where(eq(requests.id, requestId));
    if (row || Date.now() > until) return row;
    await sleep(100);
  }
}

describe("stream limits", () => {
  it("a client that stops reading is cut off: the call is settled as an abort and its hold and slot freed", async () => {
    const { accountId } = await fundedAccount(gw.t, { micros: BigInt(20_000_000), concurrency: 1 });
    const { key } = await newKey(gw.t, accountId, { tier: "enterprise" });
    const url = new URL(`${gw.base}/chat/completions`);
    const body = JSON.stringify({ model: "mock-large", stream: true, max_tokens: 150_000, messages: [{ role: "user", content: "flood #tokens=150000" }] });
    const req = http.request(url, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) } });
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      req.on("response", resolve);
      req.on("error", reject);
      req.end(body);
    });
    expect(res.statusCode).toBe(200);
    res.pause(); // the stalled reader: never reads another byte
    res.on("error", () => undefined);
    const requestId = String(res.headers["x-request-id"]);
    // Today: nothing happens — the upstream read waits for this client for ever.
    const row = await rowOf(requestId, 10_000);
    expect(row).toBeDefined();
    expect(row).toMatchObject({ statusCode: 499, errorCode: "CLIENT_STALLED", usageSource: "estimated" });
    expect(row!.costMicros).toBeLessThanOrEqual(row!.holdMicros);
    const [hold] = await gw.t.db.select().from(holds).where(eq(holds.id, row!.holdId!));
    expect(hold.status).not.toBe("pending");
    // The slot is free again: a second call of this concurrency-1 account is admitted.
    const again = await new OpenAI({ apiKey: key, baseURL: gw.base, maxRetries: 0 }).chat.completions.create({ model: "mock-small", max_tokens: 3, messages: [{ role: "user", content: "next" }] });
    expect(again.choices[0].message.content).toBe("tok tok tok");
    // And the stalled client's connection was closed, not kept open: reading again, it gets what
    // was already in flight and then the end of the connection — never the rest of the stream.
    let tail = "";
    res.setEncoding("utf8");
    res.on("data", (d: string) => (tail = (tail + d).slice(-200)));
    const ended = await new Promise<boolean>((resolve) => {
      res.once("close", () => resolve(true));
      res.resume();
      setTimeout(() => resolve(false), 10_000);
    });
    expect(ended).toBe(true);
    expect(tail).not.toContain("[DONE]");
    req.destroy();
  });

  it("a stream longer than STREAM_MAX_SECONDS is ended with an error event and billed as an abort", async () => {
    const restore = setEnv({ STREAM_MAX_SECONDS: "2" });
    try {
      const { accountId } = await fundedAccount(gw.t);
      const { key } = await newKey(gw.t, accountId, { tier: "enterprise" });
      const openai = new OpenAI({ apiKey: key, baseURL: gw.base, maxRetries: 0 });
      const started = Date.now();
      const { data: stream, response } = await openai.chat.completions
        .create({ model: "mock-small", stream: true, max_tokens: 200, messages: [{ role: "user", content: "forever #tokens=150 #interval=100" }] })
        .withResponse();
      let text = "";
      const err = await (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
      })().then(() => null, (e: unknown) => e);
      const tookMs = Date.now() - started;
      expect(err).toBeInstanceOf(OpenAI.APIError); // today: the whole 15 s stream
      expect(String((err as Error).message)).toMatch(/limit of 2 s/);
      expect(tookMs).toBeLessThan(6_000);
      expect(text.length).toBeGreaterThan(0);
      const row = await rowOf(response.headers.get("x-request-id")!, 5_000);
      expect(row).toMatchObject({ statusCode: 504, errorCode: "STREAM_TIME_LIMIT", usageSource: "estimated" });
      expect(row!.outputTokens).toBeGreaterThan(0);
      expect(row!.outputTokens).toBeLessThan(150);
      expect(row!.costMicros).toBeLessThanOrEqual(row!.holdMicros);
      expect((await verifyLedger(gw.t.db)).ok).toBe(true);
    } finally {
      restore();
    }
  });
});
