// One contract, two transports: every case below runs against the node:http fast lane and the App
// Router route handlers (same database, mock and build), checks the answer, and the last test
// requires both adapters to have answered every case identically — status, contract headers,
// body (ids and timestamps aside) — and charged the same.
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holds, requests } from "../../db/schema";
import { getCredits, verifyLedger } from "../../lib/ledger";
import { observe, startBothAdapters, watchProcess, type Adapters, type Observed } from "./contract-helpers";
import { fundedAccount, mockTokens, newKey, settled } from "./helpers";

let a: Adapters;
let key: string;
let poorKey: string;
let accountId: string;
let watch: ReturnType<typeof watchProcess>;
const seen: Record<string, Record<string, Observed>> = {};
const charged: Record<string, Record<string, bigint>> = {};

beforeAll(async () => {
  watch = watchProcess();
  a = await startBothAdapters();
  ({ accountId } = await fundedAccount(a.gw.t, { micros: 50_000_000n, concurrency: 50 }));
  ({ key } = await newKey(a.gw.t, accountId, { tier: "enterprise" }));
  const poor = await fundedAccount(a.gw.t, { micros: 10n });
  ({ key: poorKey } = await newKey(a.gw.t, poor.accountId));
});
afterAll(async () => {
  watch?.stop();
  await a?.close();
});

const ADAPTERS: [string, () => string][] = [
  ["fast lane", () => a.gw.base],
  ["route handlers", () => `${a.routes.url}/api/v1`],
];

async function call(adapter: string, name: string, base: string, path: string, init: RequestInit & { key?: string | null } = {}): Promise<{ res: Response; text: string; o: Observed }> {
  const headers = new Headers(init.headers);
  const k = init.key === undefined ? key : init.key;
  if (k) headers.set("authorization", `Bearer ${k}`);
  if (init.body && !headers.has("content-type")) headers.set("content-type", "application/json");
  const res = await fetch(`${base}${path}`, { ...init, headers });
  const text = await res.text();
  await settled();
  const o = observe(res, text);
  (seen[name] ??= {})[adapter] = o;
  const id = res.headers.get("x-request-id");
  if (id) {
    const [row] = await a.gw.t.db.select().from(requests).where(eq(requests.id, id));
    (charged[name] ??= {})[adapter] = row?.costMicros ?? -1n;
  }
  return { res, text, o };
}

const chat = (content: string, extra: Record<string, unknown> = {}) => JSON.stringify({ model: "mock-small", max_tokens: 20, messages: [{ role: "user", content }], ...extra });
const small = (inTok: number, outTok: number) => BigInt(Math.ceil((inTok * 500_000 + outTok * 1_500_000) / 1e6));

describe.each(ADAPTERS)("%s", (adapter, base) => {
  it("chat completion: 200, JSON with Content-Length, standard headers, charged from reported usage", async () => {
    const prompt = "contract chat #tokens=5";
    const { res, text } = await call(adapter, "chat", base(), "/chat/completions", { method: "POST", body: chat(prompt) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    // The fast lane sends the length (one write, no chunked trailer); Next.js may re-chunk.
    if (adapter === "fast lane" || res.headers.has("content-length")) expect(Number(res.headers.get("content-length"))).toBe(Buffer.byteLength(text));
    for (const h of ["x-request-id", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "x-credit-balance-usd"]) expect(res.headers.get(h), h).toBeTruthy();
    const body = JSON.parse(text);
    expect(body.choices[0].message.content).toBe("tok tok tok tok tok");
    expect(charged.chat[adapter]).toBe(small(mockTokens(prompt), 5));
  });

  it("chat stream: SSE framing, events whole, usage hidden unless asked, [DONE] last, charged", async () => {
    const prompt = "contract stream #tokens=3";
    const { res, text } = await call(adapter, "chat.stream", base(), "/chat/completions", { method: "POST", body: chat(prompt, { stream: true }) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("no-cache, no-transform");
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
    const events = text.split("\n\n").filter(Boolean);
    for (const ev of events) expect(ev.startsWith("data: ")).toBe(true);
    expect(text).not.toContain('"usage"');
    expect(charged["chat.stream"][adapter]).toBe(small(mockTokens(prompt), 3));
  });

  it("messages stream: Anthropic event framing (event: + data:), message_stop last", async () => {
    const prompt = "contract messages #tokens=2";
    const body = JSON.stringify({ model: "mock-small", max_tokens: 20, stream: true, messages: [{ role: "user", content: prompt }] });
    const { res, text } = await call(adapter, "messages.stream", base(), "/messages", { method: "POST", body, key, headers: { "anthropic-version": "2023-06-01" } });
    expect(res.status).toBe(200);
    const events = text.split("\n\n").filter(Boolean);
    expect(events[0]).toMatch(/^event: message_start\ndata: /);
    expect(events.at(-1)).toMatch(/^event: message_stop\ndata: /);
    expect(charged["messages.stream"][adapter]).toBe(small(mockTokens(prompt), 2));
  });

  it("errors in the OpenAI dialect: 401, 400, 404 model, 404 endpoint, 405, 413, 402", async () => {
    const b = base();
    const noKey = await call(adapter, "err.401", b, "/chat/completions", { method: "POST", body: chat("x"), key: null });
    expect(noKey.res.status).toBe(401);
    expect(JSON.parse(noKey.text)).toMatchObject({ error: { type: "authentication_error", code: "INVALID_API_KEY", param: null }, code: "INVALID_API_KEY", status: 401 });

    const badJson = await call(adapter, "err.400", b, "/chat/completions", { method: "POST", body: "{not json" });
    expect(badJson.res.status).toBe(400);
    expect(JSON.parse(badJson.text)).toMatchObject({ error: { code: "INVALID_REQUEST", param: null } });

    const schema = await call(adapter, "err.400.schema", b, "/chat/completions", { method: "POST", body: JSON.stringify({ model: "mock-small", messages: [] }) });
    expect(schema.res.status).toBe(400);
    expect(JSON.parse(schema.text).error.param).toBe("messages");

    const model = await call(adapter, "err.404.model", b, "/chat/completions", { method: "POST", body: JSON.stringify({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }) });
    expect(model.res.status).toBe(404);
    expect(JSON.parse(model.text)).toMatchObject({ error: { code: "MODEL_NOT_FOUND", param: "model" } });

    const endpoint = await call(adapter, "err.404.endpoint", b, "/nope", { method: "GET" });
    expect(endpoint.res.status).toBe(404);
    expect(JSON.parse(endpoint.text)).toMatchObject({ error: { code: "NOT_FOUND" } });

    const method = await call(adapter, "err.405", b, "/chat/completions", { method: "GET" });
    expect(method.res.status).toBe(405);
    expect(method.res.headers.get("allow")).toBe("POST");

    const big = await call(adapter, "err.413", b, "/chat/completions", { method: "POST", body: chat("x".repeat(4 * 1024 * 1024 + 10)) });
    expect(big.res.status).toBe(413);
    expect(JSON.parse(big.text)).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });

    const poor = await call(adapter, "err.402", b, "/chat/completions", { method: "POST", body: chat("x"), key: poorKey });
    expect(poor.res.status).toBe(402);
    expect(JSON.parse(poor.text)).toMatchObject({ error: { type: "insufficient_quota", code: "INSUFFICIENT_CREDITS" } });
    expect(charged["err.402"][adapter]).toBe(0n);
  });

  it("errors in the Anthropic dialect on /messages: 401, 400, 404 model", async () => {
    const b = base();
    const h = { "anthropic-version": "2023-06-01" };
    const noKey = await call(adapter, "aerr.401", b, "/messages", { method: "POST", body: "{}", key: null, headers: h });
    expect(noKey.res.status).toBe(401);
    expect(JSON.parse(noKey.text)).toMatchObject({ type: "error", error: { type: "authentication_error" }, code: "INVALID_API_KEY" });
    const bad = await call(adapter, "aerr.400", b, "/messages", { method: "POST", body: JSON.stringify({ model: "mock-small", messages: [{ role: "user", content: "x" }] }), headers: h });
    expect(bad.res.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    const model = await call(adapter, "aerr.404", b, "/messages", { method: "POST", body: JSON.stringify({ model: "nope", max_tokens: 5, messages: [{ role: "user", content: "x" }] }), headers: h });
    expect(model.res.status).toBe(404);
    expect(JSON.parse(model.text)).toMatchObject({ type: "error", error: { type: "not_found_error" } });
  });

  it("read endpoints: models (both list shapes), credits, health", async () => {
    const b = base();
    const models = await call(adapter, "models", b, "/models");
    expect(JSON.parse(models.text)).toMatchObject({ object: "list" });
    const amodels = await call(adapter, "models.anthropic", b, "/models", { headers: { "anthropic-version": "2023-06-01" } });
    expect(JSON.parse(amodels.text)).toHaveProperty("has_more", false);
    const health = await call(adapter, "health", b, "/health", { key: null });
    expect(JSON.parse(health.text)).toEqual({ status: "ok", db: "ok", redis: "ok" });
  });
});

it("both adapters answered every case identically and charged the same", () => {
  for (const [name, byAdapter] of Object.entries(seen)) {
    expect(byAdapter["route handlers"], name).toEqual(byAdapter["fast lane"]);
  }
  for (const [name, byAdapter] of Object.entries(charged)) expect(byAdapter["route handlers"], name).toBe(byAdapter["fast lane"]);
  expect(Object.keys(seen).length).toBeGreaterThan(15);
});

it("nothing held, the ledger verifies, no uncaught exception in the process", async () => {
  await settled();
  expect(await a.gw.t.db.select().from(holds).where(and(eq(holds.accountId, accountId), eq(holds.status, "pending")))).toEqual([]);
  expect((await getCredits(a.gw.t.db, accountId)).heldMicros).toBe(0n);
  expect((await verifyLedger(a.gw.t.db, accountId)).violations).toEqual([]);
  expect(watch.uncaught).toEqual([]);
});
