// Every authenticated request is a usage event — read-only endpoints and refusals included — and
// GET /requests lists them, newest first, with the fields of GET /requests/{id}.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKey } from "../../lib/keys";
import { fundedAccount, getJson, newKey, postJson, settled, startGateway, RELAXED_TIMEOUTS, type Gateway } from "./helpers";

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway(RELAXED_TIMEOUTS);
});
afterAll(async () => {
  await gw?.close();
});

interface Listed {
  id: string;
  method: string;
  path: string;
  endpoint: string;
  status: number;
  error_code: string | null;
  model: string | null;
  cost_micros: string;
  client_request_id: string | null;
  key_id: string;
  latency_ms: number;
  created_at: string;
}

async function listAll(key: string, query = ""): Promise<Listed[]> {
  const out: Listed[] = [];
  let cursor: string | null = null;
  do {
    const page = (await (await getJson(`${gw.base}/requests?limit=2${query}${cursor ? `&cursor=${cursor}` : ""}`, key)).json()) as { data: Listed[]; next_cursor: string | null; has_more: boolean };
    out.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}

describe("usage events", () => {
  it("GET /models is recorded, with method, path, status, latency, key, zero charge and the client's id", async () => {
    const { accountId } = await fundedAccount(gw.t);
    const k = await newKey(gw.t, accountId, { tier: "enterprise" });
    const openai = new OpenAI({ apiKey: k.key, baseURL: gw.base, maxRetries: 0 });
    const { response } = await openai.models.list({ headers: { "X-Client-Request-Id": "list-models-1" } }).withResponse();
    const id = response.headers.get("x-request-id")!;
    const listed = await listAll(k.key, "&endpoint=models");
    expect(listed).toHaveLength(1); // today: GET /models leaves no trace
    expect(listed[0]).toMatchObject({ id, method: "GET", path: "/api/v1/models", endpoint: "models", status: 200, error_code: null, model: null, cost_micros: "0", client_request_id: "list-models-1", key_id: k.id });
    expect(listed[0].latency_ms).toBeGreaterThanOrEqual(0);
    const detail = await (await getJson(`${gw.base}/requests/${id}`, k.key)).json();
    expect(detail).toEqual(listed[0]); // the list has exactly the detail's fields
  });

  it("a 429 is recorded, and so are 400, 402, 404 and 413 refusals; /usage still counts model calls only", async () => {
    const { accountId } = await fundedAccount(gw.t, { micros: BigInt(1_000), concurrency: 1 });
    const k = await newKey(gw.t, accountId, { tier: "enterprise" });
    const openai = new OpenAI({ apiKey: k.key, baseURL: gw.base, maxRetries: 0 });
    const anthropic = new Anthropic({ apiKey: k.key, baseURL: `${gw.app.url}/api`, maxRetries: 0 });
    // 429: the account's one slot is taken by a slow call.
    const slow = openai.chat.completions.create({ model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: "slow #latency=1500" }] });
    await new Promise((r) => setTimeout(r, 300));
    const limited = await openai.chat.completions.create({ model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: "second" }] }, { headers: { "X-Request-Id": "my-429" } }).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    await slow;
    await settled();
    // 402: more than $0.001 of output; 404: no such model; 400: bad body; 413: too large.
    expect(await anthropic.messages.create({ model: "mock-large", max_tokens: 8000, messages: [{ role: "user", content: "expensive" }] }).catch((e: { status?: number }) => e.status)).toBe(402);
    expect(await openai.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] }).catch((e: { status?: number }) => e.status)).toBe(404);
    expect((await postJson(`${gw.base}/chat/completions`, k.key, "{not json")).status).toBe(400);
    expect((await postJson(`${gw.base}/chat/completions`, k.key, JSON.stringify({ model: "mock-small", messages: [{ role: "user", content: "x".repeat(5 * 1024 * 1024) }] }))).status).toBe(413);
    expect((await getJson(`${gw.base}/credits`, k.key)).status).toBe(200);

    const log = await listAll(k.key);
    const find = (status: number) => log.filter((r) => r.status === status);
    expect(find(429)).toHaveLength(1); // today: refused admissions leave no trace
    expect(find(429)[0]).toMatchObject({ method: "POST", path: "/api/v1/chat/completions", error_code: "CONCURRENCY_LIMITED", client_request_id: "my-429", cost_micros: "0" });
    expect(find(402)[0]).toMatchObject({ endpoint: "messages", model: "mock-large", error_code: "INSUFFICIENT_CREDITS" });
    expect(find(404)[0]).toMatchObject({ model: "no-such-model", error_code: "MODEL_NOT_FOUND" });
    expect(find(400)[0]).toMatchObject({ error_code: "INVALID_REQUEST" });
    expect(find(413)[0]).toMatchObject({ error_code: "PAYLOAD_TOO_LARGE" });
    expect(log.some((r) => r.endpoint === "credits" && r.method === "GET")).toBe(true);
    // Newest first.
    const times = log.map((r) => Date.parse(r.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const only429 = await listAll(k.key, "&status=429");
    expect(only429.map((r) => r.status)).toEqual([429]);

    const usage = await (await getJson(`${gw.base}/usage?days=1`, k.key)).json();
    expect(usage.totals.requests).toBe(log.filter((r) => ["chat.completions", "messages", "embeddings"].includes(r.endpoint)).length);
  });

  it("refuses a malformed cursor or filter with a 400; an unknown key's 401 is not stored for any account", async () => {
    const { accountId } = await fundedAccount(gw.t);
    const k = await newKey(gw.t, accountId);
    expect((await getJson(`${gw.base}/requests?cursor=not-a-cursor`, k.key)).status).toBe(400);
    expect((await getJson(`${gw.base}/requests?limit=0`, k.key)).status).toBe(400);
    expect((await getJson(`${gw.base}/requests?status=teapot`, k.key)).status).toBe(400);
    expect((await getJson(`${gw.base}/models`, generateKey())).status).toBe(401);
    const log = await listAll(k.key);
    expect(log.every((r) => r.status !== 401)).toBe(true);
  });
});
