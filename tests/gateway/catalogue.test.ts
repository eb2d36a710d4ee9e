// The catalogue over HTTP: model:add from the operator CLI (another process) taking effect in a
// running gateway without a restart, a scheduled price switching at its instant (a call whose
// hold was placed before keeps the old price), the public /pricing page, and the account API
// (/models lifecycle fields, /credits lots, /credits/transactions paging, /usage breakdown).
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { eq } from "drizzle-orm";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requests } from "../../db/schema";
import { getCredits, verifyLedger } from "../../lib/ledger";
import { addModel, schedulePrice } from "../../lib/models";
import { fundedAccount, getJson, mockTokens, newKey, RELAXED_TIMEOUTS, settled, sleep, startGateway, type Gateway } from "./helpers";

const run = promisify(execFile);
const CACHE_TTL_MS = 3000;
const CLI = { kind: "cli" } as const;

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ ...RELAXED_TIMEOUTS, MODELS_CACHE_TTL_MS: String(CACHE_TTL_MS) });
});
afterAll(async () => {
  await gw?.close();
});

const sdk = (key: string) => new OpenAI({ apiKey: key, baseURL: gw.base, maxRetries: 0 });

describe("model:add", () => {
  it.skipIf(!process.env.DATABASE_URL)("a model added by the CLI in another process is served within the catalogue cache TTL, no restart", { timeout: 90_000 }, async () => {
    const { accountId } = await fundedAccount(gw.t);
    const { key } = await newKey(gw.t, accountId);
    const client = sdk(key);
    const ask = () => client.chat.completions.create({ model: "cli-added", max_tokens: 5, messages: [{ role: "user", content: "hello new model #tokens=3" }] });
    // Unknown now, and the gateway's catalogue is warm (cached without it).
    expect((await ask().catch((e: InstanceType<typeof OpenAI.APIError>) => e)) as { status: number }).toMatchObject({ status: 404 });

    const r = await run(
      path.join("node_modules", ".bin", "tsx"),
      ["scripts/tollgate.ts", "model:add", "--model", "cli-added", "--provider", "mock", "--upstream-model", "mock-small", "--input-usd-per-mtok", "0.8", "--output-usd-per-mtok", "2.4", "--context-window", "16000", "--max-output-tokens", "1000"],
      { env: { ...process.env, DATABASE_URL: gw.t.url, TOLLGATE_SKIP_MIGRATE: "1" }, timeout: 60_000 },
    );
    expect(JSON.parse(r.stdout)).toMatchObject({ id: "cli-added", input_usd_per_mtok: "0.800000", context_window: 16000 });
    const added = Date.now();
    let answer: OpenAI.ChatCompletion | null = null;
    while (!answer && Date.now() - added < CACHE_TTL_MS + 2000) {
      answer = await ask().catch(() => null);
      if (!answer) await sleep(100);
    }
    expect(answer?.choices[0].message.content).toBe("tok tok tok");
    expect(Date.now() - added).toBeLessThanOrEqual(CACHE_TTL_MS + 1000);
    const before = 10_000_000n;
    await settled();
    const prompt = mockTokens("hello new model #tokens=3");
    expect((await getCredits(gw.t.db, accountId)).balanceMicros).toBe(before - BigInt(Math.ceil((prompt * 800_000 + 3 * 2_400_000) / 1e6)));
    const listed = await client.models.list();
    expect(listed.data.map((m) => m.id)).toContain("cli-added");
  });
});

describe("scheduled prices", () => {
  it("switch at their instant; a call whose hold was placed before the switch is charged the old price", async () => {
    await addModel(gw.t.db, CLI, { id: "switching", provider: "mock", upstreamModel: "mock-small", inputUsdPerMtok: "1", outputUsdPerMtok: "1", contextWindow: "32000", maxOutputTokens: "1000" });
    const { accountId } = await fundedAccount(gw.t, { micros: 50_000_000n });
    const { key } = await newKey(gw.t, accountId);
    const client = sdk(key);
    const effective = new Date(Date.now() + 1500);
    await schedulePrice(gw.t.db, CLI, { id: "switching", inputUsdPerMtok: "100", outputUsdPerMtok: "100", effective: effective.toISOString(), force: true });
    const listed = (await client.models.list()).data.find((m) => m.id === "switching") as unknown as { pricing: Record<string, number>; upcoming_pricing: { effective_at: string; input_per_mtok_usd: number }[] };
    expect(listed.pricing.input_per_mtok_usd).toBe(1);
    expect(listed.upcoming_pricing).toEqual([expect.objectContaining({ effective_at: effective.toISOString(), input_per_mtok_usd: 100 })]);

    // Started (hold placed) before the switch, finishes after it.
    const prompt = "straddle the switch #tokens=10 #interval=250";
    const stream = await client.chat.completions.create({ model: "switching", max_tokens: 20, stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: prompt }] });
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    expect(Date.now()).toBeGreaterThan(effective.getTime());
    await settled();
    // The request log also holds the /models read above; only the model calls are priced.
    const modelCalls = async () => (await gw.t.db.select().from(requests).where(eq(requests.accountId, accountId))).filter((r) => r.endpoint === "chat.completions");
    const rows = await modelCalls();
    expect(rows).toHaveLength(1);
    const oldCost = BigInt(Math.ceil((usage!.prompt_tokens + usage!.completion_tokens) * 1_000_000 / 1e6));
    expect(rows[0].costMicros).toBe(oldCost);

    // After the switch a new call pays the new price.
    const after = await client.chat.completions.create({ model: "switching", max_tokens: 20, messages: [{ role: "user", content: "after #tokens=10" }] });
    await settled();
    const newest = (await modelCalls()).find((r) => r.id !== rows[0].id)!;
    expect(newest.costMicros).toBe(BigInt((after.usage!.prompt_tokens + after.usage!.completion_tokens) * 100));
    expect((await verifyLedger(gw.t.db, accountId)).violations).toEqual([]);
  });
});

describe("public /pricing", () => {
  it("renders without a session: every enabled model with prices per Mtok, context window, lifecycle, upcoming prices, and the tier table", async () => {
    await addModel(gw.t.db, CLI, { id: "priced-page", provider: "mock", upstreamModel: "mock-small", inputUsdPerMtok: "0.075", outputUsdPerMtok: "0.3", contextWindow: "123456", maxOutputTokens: "1000" });
    await addModel(gw.t.db, CLI, { id: "hidden-model", provider: "mock", upstreamModel: "mock-small", inputUsdPerMtok: "1", outputUsdPerMtok: "1", contextWindow: "1000", maxOutputTokens: "100", enabled: false });
    await schedulePrice(gw.t.db, CLI, { id: "priced-page", inputUsdPerMtok: "0.1", outputUsdPerMtok: "0.4", effective: "2099-01-01" });
    const res = await fetch(`${gw.app.url}/pricing`, { redirect: "manual" });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("<h1");
    expect(html).toContain("Pricing");
    for (const id of ["mock-small", "mock-large", "mock-embed", "priced-page"]) expect(html).toContain(id);
    expect(html).not.toContain("hidden-model");
    expect(html).toContain("$0.075");
    expect(html).toContain("123,456");
    expect(html).toContain("2099-01-01");
    expect(html).toMatch(/Enterprise|enterprise/);
    for (const figure of ["100,000", "10,000", "2,000", "$500.00", "$15.00"]) expect(html).toContain(figure);
    expect(html).toContain('caption class="sr-only">Model prices per million tokens');
  });
});

describe("account API", () => {
  it("/credits/transactions pages through the SDK with no gaps or duplicates while calls are charged; limits are enforced", async () => {
    const { accountId } = await fundedAccount(gw.t, { micros: 20_000_000n, concurrency: 100 });
    const { key } = await newKey(gw.t, accountId, { tier: "enterprise" });
    const client = sdk(key);
    for (let i = 0; i < 12; i++) await client.chat.completions.create({ model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: `seed ${i}` }] });
    await settled();
    type Page = { data: { id: string; type: string; amount: number; balance_after: number; request_id: string | null; description: string | null; created_at: string }[]; has_more: boolean; as_of: string };
    const seen: string[] = [];
    let asOf: string | undefined;
    for (let offset = 0; ; offset += 5) {
      const racing = Promise.all([0, 1, 2].map((j) => client.chat.completions.create({ model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: `race ${offset} ${j}` }] })));
      const page = await client.get<Page>("/credits/transactions", { query: { limit: 5, offset, ...(asOf ? { as_of: asOf } : {}) } });
      await racing;
      asOf ??= page.as_of;
      seen.push(...page.data.map((e) => e.id));
      if (!page.has_more) break;
    }
    await settled();
    expect(new Set(seen).size).toBe(seen.length);
    const all = await client.get<Page>("/credits/transactions", { query: { limit: 200 } });
    const snapshot = all.data.map((e) => e.id).filter((id) => seen.includes(id));
    expect(seen).toEqual(snapshot); // same order, newest first
    const firstSeenAt = all.data.findIndex((e) => e.id === seen[0]);
    expect(all.data.slice(firstSeenAt).map((e) => e.id)).toEqual(seen); // nothing older missing
    expect(all.data.length).toBeGreaterThan(seen.length); // the racing charges came after the snapshot
    const charge = all.data.find((e) => e.type === "charge")!;
    expect(charge.request_id).toMatch(/^req_/);
    expect(charge.amount).toBeLessThan(0);

    for (const query of [{ limit: 201 }, { limit: "x" }, { offset: -3 }, { as_of: "1e9" }]) {
      const e = await client.get("/credits/transactions", { query }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(OpenAI.BadRequestError);
      expect((e as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("INVALID_REQUEST");
    }
  });

  it("/credits lists live lots by expiry; /usage groups by model and key; /models carries lifecycle fields", async () => {
    const { accountId } = await fundedAccount(gw.t);
    const { id: keyId, key } = await newKey(gw.t, accountId);
    const client = sdk(key);
    await client.chat.completions.create({ model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: "a" }] });
    await client.chat.completions.create({ model: "mock-large", max_tokens: 5, messages: [{ role: "user", content: "b" }] });
    const credits = (await (await getJson(`${gw.base}/credits`, key)).json()) as { lots: { kind: string; remaining_micros: string; expires_at: string }[]; balance_micros: string };
    expect(credits.lots).toHaveLength(1);
    expect(credits.lots[0]).toMatchObject({ kind: "grant", remaining_micros: credits.balance_micros });

    const byModel = await client.get<{ data: { date: string; requests: number; breakdown: { model: string; requests: number }[] }[] }>("/usage", { query: { days: 1, group_by: "model" } });
    expect(byModel.data[0].breakdown.map((b) => [b.model, b.requests])).toEqual([
      ["mock-large", 1],
      ["mock-small", 1],
    ]);
    const byKey = await client.get<{ data: { breakdown: { key_id: string; requests: number }[] }[] }>("/usage", { query: { days: 1, group_by: "key" } });
    expect(byKey.data[0].breakdown).toEqual([expect.objectContaining({ key_id: keyId, requests: 2 })]);
    const bad = await client.get("/usage", { query: { group_by: "account" } }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);

    const models = await client.models.list();
    const small = models.data.find((m) => m.id === "mock-small") as unknown as Record<string, unknown>;
    expect(small).toMatchObject({ deprecated_at: null, sunset_at: null, replacement: null, lifecycle: "active", upcoming_pricing: [] });
    const one = await client.models.retrieve("mock-small");
    expect(one.id).toBe("mock-small");
    const missing = await client.models.retrieve("no-such-model").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
  });
});
