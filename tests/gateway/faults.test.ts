// Upstream faults and client aborts: each outcome is charged exactly what SPEC §2 says, retries
// happen only before anything reached the client, the breaker opens, and crashed holds are swept.
import { and, eq } from "drizzle-orm";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { holds, requests } from "../../db/schema";
import { resetBreakers } from "../../lib/gateway/breaker";
import { getCredits, placeHold, sweepHolds, verifyLedger } from "../../lib/ledger";
import { fundedAccount, getJson, mockTokens, newKey, postJson, setEnv, settled, sleep, startGateway, type Gateway } from "./helpers";

let gw: Gateway;
let accountId: string;
let key: string;
const FUNDS = BigInt(10_000_000);

beforeAll(async () => {
  gw = await startGateway();
  ({ accountId } = await fundedAccount(gw.t, { micros: FUNDS, concurrency: 50 }));
  ({ key } = await newKey(gw.t, accountId, { tier: "enterprise" }));
});
afterAll(async () => {
  resetBreakers();
  await gw?.close();
});
beforeEach(async () => {
  await fetch(`${gw.mock.url}/__requests`, { method: "DELETE" });
});

let nonce = 0;
const uniq = (s: string) => `${s} n${++nonce}-${Date.now()}`;
const chat = (body: Record<string, unknown>) => postJson(`${gw.base}/chat/completions`, key, body);
const balance = async () => {
  await settled();
  return (await getCredits(gw.t.db, accountId)).balanceMicros;
};
const upstreamCalls = async () => ((await (await fetch(`${gw.mock.url}/__requests`)).json()) as { requests: unknown[] }).requests.length;
const holdEstimate = (prompt: string) => Math.ceil(Buffer.byteLength(prompt) / 3);
const small = (inTok: number, outTok: number) => BigInt(Math.ceil((inTok * 500_000 + outTok * 1_500_000) / 1e6));

async function detail(rid: string) {
  return (await getJson(`${gw.base}/requests/${rid}`, key)).json();
}
async function noPendingHolds() {
  await settled();
  expect(await gw.t.db.select().from(holds).where(and(eq(holds.accountId, accountId), eq(holds.status, "pending")))).toEqual([]);
}

describe("upstream errors before processing: no charge", () => {
  it("500 is retried twice, then 502 UPSTREAM_ERROR and nothing charged", async () => {
    const before = await balance();
    const res = await chat({ model: "mock-small", max_tokens: 20, messages: [{ role: "user", content: uniq("boom #fault=500") }] });
    expect(res.status).toBe(502);
    expect((await res.json()).code).toBe("UPSTREAM_ERROR");
    expect(await upstreamCalls()).toBe(3);
    expect(await balance()).toBe(before);
    expect(await detail(res.headers.get("x-request-id")!)).toMatchObject({ status: 502, error_code: "UPSTREAM_ERROR", cost_micros: "0", usage_source: "none" });
    await noPendingHolds();
  });

  it("a transient 500 is retried and the successful answer is charged once", async () => {
    const before = await balance();
    const prompt = uniq("flaky #fault=500 #fault-first=1 #tokens=7");
    const res = await chat({ model: "mock-small", max_tokens: 20, messages: [{ role: "user", content: prompt }] });
    expect(res.status).toBe(200);
    expect(await upstreamCalls()).toBe(2);
    expect(before - (await balance())).toBe(small(mockTokens(prompt), 7));
  });

  it("429 honours Retry-After between attempts, then 502 with no charge", async () => {
    const before = await balance();
    const started = Date.now();
    const res = await chat({ model: "mock-small", max_tokens: 20, messages: [{ role: "user", content: uniq("busy #fault=429") }] });
    expect(res.status).toBe(502);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000); // two waits of Retry-After: 1
    expect(await upstreamCalls()).toBe(3);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await balance()).toBe(before);
  });

  it("hang: first-byte timeout → 504 UPSTREAM_TIMEOUT, not retried, no charge", async () => {
    const before = await balance();
    const res = await chat({ model: "mock-small", max_tokens: 20, messages: [{ role: "user", content: uniq("stuck #fault=hang") }] });
    expect(res.status).toBe(504);
    expect((await res.json()).code).toBe("UPSTREAM_TIMEOUT");
    expect(await upstreamCalls()).toBe(1);
    expect(await balance()).toBe(before);
    await noPendingHolds();
  });

  it("streams fail the same way before the first byte: a proper HTTP error, no charge", async () => {
    const before = await balance();
    const res = await chat({ model: "mock-small", stream: true, max_tokens: 20, messages: [{ role: "user", content: uniq("s #fault=500") }] });
    expect(res.status).toBe(502);
    expect(await balance()).toBe(before);
  });

  it("a cut non-streamed body → 502, no charge", async () => {
    const before = await balance();
    const res = await chat({ model: "mock-small", max_tokens: 20, messages: [{ role: "user", content: uniq("half #fault=cut") }] });
    expect(res.status).toBe(502);
    expect(await balance()).toBe(before);
    await noPendingHolds();
  });
});

describe("success without usage: the hold is charged", () => {
  it("non-stream no-usage → charged the full hold, usage_source hold", async () => {
    const before = await balance();
    const prompt = uniq("quiet #fault=no-usage");
    const res = await chat({ model: "mock-small", max_tokens: 30, messages: [{ role: "user", content: prompt }] });
    expect(res.status).toBe(200);
    const hold = small(holdEstimate(prompt), 30);
    expect(before - (await balance())).toBe(hold);
    expect(await detail(res.headers.get("x-request-id")!)).toMatchObject({ usage_source: "hold", cost_micros: hold.toString(), hold_micros: hold.toString() });
  });

  it("stream no-usage → charged the full hold", async () => {
    const before = await balance();
    const prompt = uniq("quiet stream #fault=no-usage");
    const res = await chat({ model: "mock-small", stream: true, max_tokens: 30, messages: [{ role: "user", content: prompt }] });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("data: [DONE]");
    expect(before - (await balance())).toBe(small(holdEstimate(prompt), 30));
  });
});

describe("streams that break or are abandoned: charged for what was delivered", () => {
  it("upstream cut mid-stream → error event to the client, charged input estimate + delivered tokens", async () => {
    const before = await balance();
    const prompt = uniq("cut stream #fault=cut #tokens=20");
    const res = await chat({ model: "mock-small", stream: true, max_tokens: 50, messages: [{ role: "user", content: prompt }] });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('"code":"UPSTREAM_ERROR"');
    expect(text).not.toContain("[DONE]");
    const delivered = 10; // half of 20
    expect(before - (await balance())).toBe(small(holdEstimate(prompt), delivered));
    expect(await detail(res.headers.get("x-request-id")!)).toMatchObject({ usage_source: "estimated", output_tokens: delivered, status: 502 });
    await noPendingHolds();
  });

  it("the OpenAI SDK surfaces a cut stream as an error", async () => {
    const client = new OpenAI({ apiKey: key, baseURL: gw.base, maxRetries: 0 });
    const stream = await client.chat.completions.create({ model: "mock-small", stream: true, max_tokens: 50, messages: [{ role: "user", content: uniq("sdk cut #fault=cut #tokens=8") }] });
    const err = await (async () => {
      for await (const _ of stream) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
  });

  it("client aborts mid-stream → charged for delivered tokens (capped at the hold), rest released, no pending hold", async () => {
    const before = await balance();
    const prompt = uniq("abort me #tokens=200 #interval=30");
    const ac = new AbortController();
    const res = await fetch(`${gw.base}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "mock-small", stream: true, max_tokens: 200, messages: [{ role: "user", content: prompt }] }),
      signal: ac.signal,
    });
    const rid = res.headers.get("x-request-id")!;
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let seen = "";
    while ((seen.match(/"content":"[^"]+"/g) ?? []).length < 5) seen += decoder.decode((await reader.read()).value);
    ac.abort();
    // Settlement happens when the gateway notices the disconnect.
    let row: Record<string, unknown> | undefined;
    for (let i = 0; i < 60 && !row; i++) {
      [row] = await gw.t.db.select().from(requests).where(eq(requests.id, rid));
      if (!row) await sleep(50);
    }
    expect(row).toBeDefined();
    expect(row!.usageSource).toBe("estimated");
    expect(row!.statusCode).toBe(499);
    const delivered = row!.outputTokens as number;
    expect(delivered).toBeGreaterThanOrEqual(5);
    expect(delivered).toBeLessThan(200);
    const charged = before - (await balance());
    expect(charged).toBe(small(holdEstimate(prompt), delivered));
    expect(charged).toBeLessThan(small(holdEstimate(prompt), 200));
    await noPendingHolds();
    expect((await getCredits(gw.t.db, accountId)).heldMicros).toBe(BigInt(0));
  });

  it("client gives up before the upstream answered → upstream call cancelled, no charge, hold released", async () => {
    const before = await balance();
    const ac = new AbortController();
    const rid = `abort-early-${Date.now()}`;
    const p = fetch(`${gw.base}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "x-request-id": rid },
      body: JSON.stringify({ model: "mock-small", max_tokens: 20, messages: [{ role: "user", content: uniq("slow start #latency=1000") }] }),
      signal: ac.signal,
    }).catch(() => null);
    await sleep(300);
    ac.abort();
    await p;
    let row: Record<string, unknown> | undefined;
    for (let i = 0; i < 60 && !row; i++) {
      [row] = await gw.t.db.select().from(requests).where(eq(requests.clientRequestId, rid));
      if (!row) await sleep(50);
    }
    expect(row).toMatchObject({ statusCode: 499, errorCode: "CLIENT_CLOSED", costMicros: BigInt(0) });
    expect(await balance()).toBe(before);
    await noPendingHolds();
  });

  it("an upstream that stalls mid-stream hits the idle timeout: error event, charged for delivered", async () => {
    const before = await balance();
    const prompt = uniq("stall #tokens=3 #interval=2500");
    const res = await chat({ model: "mock-small", stream: true, max_tokens: 50, messages: [{ role: "user", content: prompt }] });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("UPSTREAM_TIMEOUT");
    const row = await detail(res.headers.get("x-request-id")!);
    expect(row).toMatchObject({ usage_source: "estimated", status: 504 });
    expect(before - (await balance())).toBe(small(holdEstimate(prompt), row.output_tokens));
  });
});

describe("circuit breaker", () => {
  it("opens after consecutive failures (503, no charge), then a trial call closes it", async () => {
    const restore = setEnv({ CIRCUIT_FAILURE_THRESHOLD: "3", CIRCUIT_COOLDOWN_MS: "800" });
    try {
      resetBreakers();
      expect((await chat({ model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: uniq("#fault=500") }] })).status).toBe(502);
      const before = await balance();
      const open = await chat({ model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: uniq("fine") }] });
      expect(open.status).toBe(503);
      expect((await open.json()).code).toBe("UPSTREAM_UNAVAILABLE");
      expect(await balance()).toBe(before);
      await sleep(900);
      expect((await chat({ model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: uniq("fine again") }] })).status).toBe(200);
      expect((await chat({ model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: uniq("and again") }] })).status).toBe(200);
    } finally {
      restore();
      resetBreakers();
    }
  });
});

describe("crash between hold and settle", () => {
  it("a pending hold left by a dead instance is released by sweepHolds; the ledger verifies", async () => {
    const before = await getCredits(gw.t.db, accountId);
    const held = await placeHold(gw.t.db, { accountId, requestId: `req_crash_${Date.now()}`, minMicros: BigInt(5000), maxMicros: BigInt(5000), ttlSeconds: 1 });
    expect(held.ok).toBe(true);
    expect((await getCredits(gw.t.db, accountId)).availableMicros).toBe(before.availableMicros - BigInt(5000));
    const released = await sweepHolds(gw.t.db, new Date(Date.now() + 2000));
    expect(released).toBeGreaterThanOrEqual(1);
    const after = await getCredits(gw.t.db, accountId);
    expect(after.availableMicros).toBe(before.availableMicros);
    expect(after.balanceMicros).toBe(before.balanceMicros);
  });
});

describe("calls that outlive the hold TTL", () => {
  it("keep their hold alive: a sweep during the call releases nothing and the call is charged in full", async () => {
    // HOLD_TTL_SECONDS 3: extended every second while the call runs.
    const restore = setEnv({ HOLD_TTL_SECONDS: "3", UPSTREAM_FIRST_BYTE_TIMEOUT_MS: "10000" });
    try {
      const prompt = uniq("slow #latency=5000 #tokens=7");
      const call = chat({ model: "mock-small", messages: [{ role: "user", content: prompt }] });
      await sleep(4200); // past the TTL the hold was placed with
      const pending = await gw.t.db.select().from(holds).where(and(eq(holds.accountId, accountId), eq(holds.status, "pending")));
      expect(pending).toHaveLength(1);
      expect(pending[0].expiresAt.getTime()).toBeGreaterThan(Date.now());
      expect(await sweepHolds(gw.t.db)).toBe(0);
      const res = await call;
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.usage.completion_tokens).toBe(7);
      await settled();
      const row = await detail(res.headers.get("x-request-id")!);
      expect(row).toMatchObject({ status: 200, usage_source: "reported", cost_micros: String(small(body.usage.prompt_tokens, 7)) });
      await noPendingHolds();
    } finally {
      restore();
    }
  }, 20_000);

  it("keep their concurrency slot: the account stays at its limit for the whole call, then frees it", async () => {
    // CONCURRENCY_TTL_MS 3000: a slot not refreshed would be gone after 3 s.
    const restore = setEnv({ HOLD_TTL_SECONDS: "3", CONCURRENCY_TTL_MS: "3000", UPSTREAM_FIRST_BYTE_TIMEOUT_MS: "10000" });
    try {
      const { accountId: single } = await fundedAccount(gw.t, { micros: FUNDS, concurrency: 1 });
      const { key: singleKey } = await newKey(gw.t, single, { tier: "enterprise" });
      const ask = (content: string) => postJson(`${gw.base}/chat/completions`, singleKey, { model: "mock-small", messages: [{ role: "user", content }] });
      const long = ask(uniq("long #latency=5000 #tokens=3"));
      await sleep(4200);
      const second = await ask(uniq("second"));
      expect(second.status).toBe(429);
      expect((await second.json()).code).toBe("CONCURRENCY_LIMITED");
      expect((await long).status).toBe(200);
      await settled();
      expect((await ask(uniq("third"))).status).toBe(200);
    } finally {
      restore();
    }
  }, 20_000);
});

it("after all of it the ledger is consistent and nothing is held", async () => {
  await settled();
  expect((await verifyLedger(gw.t.db, accountId)).violations).toEqual([]);
  expect((await getCredits(gw.t.db, accountId)).heldMicros).toBe(BigInt(0));
});
