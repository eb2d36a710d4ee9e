// On the wire: a deprecated model serves with Deprecation/Sunset/successor headers, a model past
// its sunset answers 410 MODEL_SUNSET and is never charged, and a key without its own daily cap
// is held to its tier's default cap (standard: $2 per UTC day).
import { eq } from "drizzle-orm";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { models } from "../../db/schema";
import { getCredits, verifyLedger } from "../../lib/ledger";
import { addModel, deprecateModel } from "../../lib/models";
import { fundedAccount, newKey, RELAXED_TIMEOUTS, settled, sleep, startGateway, type Gateway } from "./helpers";

const CLI = { kind: "cli" } as const;
const CACHE_TTL_MS = 200;
let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ ...RELAXED_TIMEOUTS, MODELS_CACHE_TTL_MS: String(CACHE_TTL_MS) });
});
afterAll(async () => {
  await gw?.close();
});
const sdk = (key: string) => new OpenAI({ apiKey: key, baseURL: gw.base, maxRetries: 0 });
const DAY = 86_400_000;

describe("model lifecycle on the wire", () => {
  it("a deprecated model serves with Deprecation, Sunset and a successor link; after the sunset it is 410 and free", async () => {
    await addModel(gw.t.db, CLI, { id: "old-model", provider: "mock", upstreamModel: "mock-small", inputUsdPerMtok: "1", outputUsdPerMtok: "1", contextWindow: "32000", maxOutputTokens: "1000" });
    await addModel(gw.t.db, CLI, { id: "new-model", provider: "mock", upstreamModel: "mock-small", inputUsdPerMtok: "1", outputUsdPerMtok: "1", contextWindow: "32000", maxOutputTokens: "1000" });
    const sunset = new Date(Date.now() + 60 * DAY);
    await deprecateModel(gw.t.db, CLI, { id: "old-model", sunset: sunset.toISOString().slice(0, 10), replacementId: "new-model" });
    await sleep(CACHE_TTL_MS + 100);
    const { accountId } = await fundedAccount(gw.t);
    const { key } = await newKey(gw.t, accountId);

    const { response } = await sdk(key).chat.completions.create({ model: "old-model", max_tokens: 5, messages: [{ role: "user", content: "hi #tokens=2" }] }).withResponse();
    const [row] = await gw.t.db.select().from(models).where(eq(models.id, "old-model"));
    expect(response.headers.get("deprecation")).toBe(`@${Math.floor(row.deprecatedAt!.getTime() / 1000)}`);
    expect(response.headers.get("sunset")).toBe(row.sunsetAt!.toUTCString());
    expect(response.headers.get("link")).toBe('</api/v1/models/new-model>; rel="successor-version"');
    await settled();
    const afterServed = (await getCredits(gw.t.db, accountId)).balanceMicros;
    expect(afterServed).toBeLessThan(10_000_000n);

    // The sunset passes.
    await gw.t.db.update(models).set({ deprecatedAt: new Date(Date.now() - 2000), sunsetAt: new Date(Date.now() - 1000) }).where(eq(models.id, "old-model"));
    await sleep(CACHE_TTL_MS + 100);
    const err = (await sdk(key).chat.completions.create({ model: "old-model", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(410);
    expect((err.error as { code?: string }).code).toBe("MODEL_SUNSET");
    expect(err.message).toContain("new-model");
    expect(err.headers?.get?.("link")).toContain("new-model");
    await settled();
    expect((await getCredits(gw.t.db, accountId)).balanceMicros).toBe(afterServed);
    expect((await verifyLedger(gw.t.db, accountId)).violations).toEqual([]);
  });
});

describe("tier default daily cap", () => {
  it("a standard key without its own cap stops at $2 a day; an enterprise key goes on", async () => {
    // $0.10 per output token: a 10-token answer costs about $1.
    await addModel(gw.t.db, CLI, { id: "pricey", provider: "mock", upstreamModel: "mock-small", inputUsdPerMtok: "1", outputUsdPerMtok: "100000", contextWindow: "32000", maxOutputTokens: "1000" });
    await sleep(CACHE_TTL_MS + 100);
    const call = (key: string) => sdk(key).chat.completions.create({ model: "pricey", max_tokens: 10, messages: [{ role: "user", content: "spend #tokens=10" }] }).then(() => 200, (e: InstanceType<typeof OpenAI.APIError>) => e.status);

    const standard = await fundedAccount(gw.t, { micros: 50_000_000n });
    const { key: stdKey } = await newKey(gw.t, standard.accountId, { tier: "standard" });
    const statuses: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push(await call(stdKey));
      await settled();
    }
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(2);
    expect(statuses[statuses.length - 1]).not.toBe(200);
    const spent = 50_000_000n - (await getCredits(gw.t.db, standard.accountId)).balanceMicros;
    expect(spent).toBeLessThanOrEqual(2_000_000n);

    const enterprise = await fundedAccount(gw.t, { micros: 50_000_000n });
    const { key: entKey } = await newKey(gw.t, enterprise.accountId, { tier: "enterprise" });
    for (let i = 0; i < 4; i++) {
      expect(await call(entKey)).toBe(200);
      await settled();
    }
  });
});
