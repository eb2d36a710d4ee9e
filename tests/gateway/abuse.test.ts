// A hostile customer, through the official SDKs: reusing request ids (its own, another tenant's)
// to escape the concurrency limit or collide with other calls; a 4 MiB document on a $0.05
// balance; provider features Tollgate does not price on the operator's key.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requests } from "../../db/schema";
import { getCredits, verifyLedger } from "../../lib/ledger";
import { fundedAccount, getJson, newKey, settled, startGateway, RELAXED_TIMEOUTS, type Gateway } from "./helpers";

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ ...RELAXED_TIMEOUTS, OVERAGE_MAX_MICROS: "50000" });
});
afterAll(async () => {
  await gw?.close();
});

const openaiFor = (key: string) => new OpenAI({ apiKey: key, baseURL: gw.base, maxRetries: 0 });
const anthropicFor = (key: string) => new Anthropic({ apiKey: key, baseURL: `${gw.app.url}/api`, maxRetries: 0 });

async function customer(opts: { micros?: bigint; concurrency?: number } = {}) {
  const { accountId } = await fundedAccount(gw.t, opts);
  const { key } = await newKey(gw.t, accountId, { tier: "enterprise" });
  return { accountId, key, openai: openaiFor(key), anthropic: anthropicFor(key) };
}

/** Starts a slow stream and resolves once its first chunk arrived (the call holds its slot). */
async function slowStream(openai: OpenAI, headers: Record<string, string> = {}) {
  const stream = await openai.chat.completions.create({ model: "mock-small", stream: true, max_tokens: 50, messages: [{ role: "user", content: "slow #tokens=30 #interval=100" }] }, { headers });
  const it = stream[Symbol.asyncIterator]();
  await it.next();
  return { done: (async () => { while (!(await it.next()).done); })() };
}

describe("request ids", () => {
  it("a repeated X-Request-Id is just another call: it neither fails nor frees the first call's concurrency slot", async () => {
    const c = await customer({ concurrency: 2 });
    const first = await slowStream(c.openai, { "X-Request-Id": "dup-id-0001" });
    // Today: 409, and releasing it frees the first call's slot.
    const { data, response } = await c.openai.chat.completions
      .create({ model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: "same id" }] }, { headers: { "X-Request-Id": "dup-id-0001" } })
      .withResponse();
    expect(data.choices[0].message.content).toBeTruthy();
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);
    expect(response.headers.get("x-client-request-id")).toBe("dup-id-0001");
    await settled();
    // The first call still holds its slot: of two more slow calls, exactly one fits.
    const results = await Promise.allSettled([slowStream(c.openai), slowStream(c.openai)]);
    const refused = results.filter((r) => r.status === "rejected");
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(OpenAI.RateLimitError);
    for (const r of results) if (r.status === "fulfilled") await r.value.done;
    await first.done;
  });

  it("two tenants using the same client id each get their own request, and find only their own", async () => {
    const a = await customer();
    const b = await customer();
    const call = (cu: Awaited<ReturnType<typeof customer>>) =>
      cu.anthropic.messages.create({ model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: "shared id" }] }, { headers: { "X-Request-Id": "shared-client-id-42" } }).withResponse();
    const ra = await call(a);
    const rb = await call(b); // today: 409 — the id was taken by the other tenant
    const ida = ra.response.headers.get("x-request-id")!;
    const idb = rb.response.headers.get("x-request-id")!;
    expect(ida).not.toBe(idb);
    expect(ida).not.toBe("shared-client-id-42");
    await settled();
    for (const [cu, own] of [[a, ida], [b, idb]] as const) {
      const list = await (await getJson(`${gw.base}/requests?client_request_id=shared-client-id-42`, cu.key)).json();
      expect(list.data.map((r: { id: string }) => r.id)).toEqual([own]);
      expect(list.data[0]).toMatchObject({ client_request_id: "shared-client-id-42", status: 200, method: "POST", path: "/api/v1/messages" });
    }
    expect((await getJson(`${gw.base}/requests/${idb}`, a.key)).status).toBe(404);
    // X-Client-Request-Id wins over X-Request-Id, and a hostile one is refused, clearly.
    const own = await openaiFor(a.key).chat.completions.create({ model: "mock-small", max_tokens: 2, messages: [{ role: "user", content: "x" }] }, { headers: { "X-Client-Request-Id": "mine-7", "X-Request-Id": "proxy-7" } }).withResponse();
    expect(own.response.headers.get("x-client-request-id")).toBe("mine-7");
    const bad = await openaiFor(a.key).chat.completions.create({ model: "mock-small", max_tokens: 2, messages: [{ role: "user", content: "x" }] }, { headers: { "X-Client-Request-Id": "has spaces;and=more" } }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/X-Client-Request-Id/);
  });
});

describe("holds cover what the provider bills", () => {
  it("a 4 MiB document on a $0.05 balance cannot take the balance below −OVERAGE_MAX_MICROS", async () => {
    const c = await customer({ micros: BigInt(50_000) });
    const data = "JVBERi0xLjQK".repeat(Math.floor((4 * 1024 * 1024 - 64 * 1024) / 12)); // ~4 MiB of base64
    const res = await c.anthropic.messages
      .create({ model: "mock-small", max_tokens: 64, messages: [{ role: "user", content: [{ type: "document", source: { type: "base64", media_type: "application/pdf", data } }, { type: "text", text: "Summarise." }] }] })
      .withResponse()
      .then((r) => r.response.status, (e: unknown) => (e as { status?: number }).status);
    await settled();
    const balance = (await getCredits(gw.t.db, c.accountId)).balanceMicros;
    // Today: held for ~1,000 tokens, charged ~1 M tokens → about −$0.47.
    expect(balance).toBeGreaterThanOrEqual(BigInt(-50_000));
    if (res === 200) {
      const [row] = await gw.t.db.select().from(requests).where(eq(requests.accountId, c.accountId));
      expect(row.overageMicros).toBeLessThanOrEqual(BigInt(50_000));
      expect(row.unchargedMicros).toBeGreaterThan(BigInt(0)); // the provider's bill beyond the bound, written off
      expect(row.costMicros).toBe(row.holdMicros + row.overageMicros);
      // Below zero now: the next call is refused.
      const next = await c.anthropic.messages.create({ model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: "again" }] }).catch((e: unknown) => e);
      expect(next).toBeInstanceOf(Anthropic.APIError);
      expect((next as InstanceType<typeof Anthropic.APIError>).status).toBe(402);
    } else expect(res).toBe(402);
    expect((await verifyLedger(gw.t.db)).ok).toBe(true);
  });

  it("sets max_tokens upstream even when the client gave none and the hold covers the model maximum", async () => {
    const c = await customer();
    await c.openai.chat.completions.create({ model: "mock-small", messages: [{ role: "user", content: "no max" }] });
    const last = (await (await fetch(`${gw.mock.url}/__last-request`)).json()) as { maxTokens: number | null };
    expect(last.maxTokens).toBe(4096); // today: absent — the provider's own default applies
  });
});

describe("platform-key allowlist", () => {
  it("refuses an anthropic-beta header on the operator's key with a clear 400, and charges nothing", async () => {
    const c = await customer();
    const before = (await getCredits(gw.t.db, c.accountId)).balanceMicros;
    const err = await c.anthropic.messages
      .create({ model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: "beta please" }] }, { headers: { "anthropic-beta": "context-1m-2025-08-07" } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).message).toMatch(/anthropic-beta/);
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).message).toMatch(/X-Provider-Key/);
    await settled();
    expect((await getCredits(gw.t.db, c.accountId)).balanceMicros).toBe(before);
  });

  it("refuses unpriced fields (priority tier, server tools) on the operator's key; BYOK passes them", async () => {
    const c = await customer();
    const tier = await c.openai.chat.completions
      .create({ model: "mock-small", max_tokens: 5, service_tier: "priority", messages: [{ role: "user", content: "fast lane" }] })
      .catch((e: unknown) => e);
    expect(tier).toBeInstanceOf(OpenAI.BadRequestError);
    expect((tier as InstanceType<typeof OpenAI.BadRequestError>).param).toBe("service_tier");
    const tools = await c.anthropic.messages
      .create({ model: "mock-small", max_tokens: 5, tools: [{ type: "web_search_20250305", name: "web_search" }], messages: [{ role: "user", content: "search" }] })
      .catch((e: unknown) => e);
    expect(tools).toBeInstanceOf(Anthropic.BadRequestError);
    const byok = await c.anthropic.messages.create(
      { model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: "my own key" }] },
      { headers: { "anthropic-beta": "context-1m-2025-08-07", "X-Provider-Key": "sk-ant-caller-own-key" } },
    );
    expect(byok.content[0]).toMatchObject({ type: "text" });
  });
});
