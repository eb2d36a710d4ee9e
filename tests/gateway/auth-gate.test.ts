// Key guessing: the failed-auth limiter runs BEFORE the key's database lookup, per client address.
// Proof that it does: once an address is over its budget, even a valid (not yet cached) key from
// it is refused without being looked up. TRUSTED_PROXY_HOPS=0 takes the socket's address, so a
// client writing its own X-Forwarded-For cannot dodge the limit.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateKey } from "../../lib/keys";
import { fundedAccount, getJson, newKey, setEnv, startGateway, type Gateway } from "./helpers";

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ AUTH_FAILURE_RPM: "3" });
});
afterAll(async () => {
  await gw?.close();
});

describe("failed-auth limiter before the lookup", () => {
  it("an address over its budget is refused before any lookup — a valid key from it included", async () => {
    const { accountId } = await fundedAccount(gw.t);
    const valid = await newKey(gw.t, accountId);
    const from = { "x-forwarded-for": "198.51.100.23" };
    // A valid key's lookup does not use up the budget.
    expect((await getJson(`${gw.base}/credits`, (await newKey(gw.t, accountId)).key, from)).status).toBe(200);
    const guesser = (key: string) => new OpenAI({ apiKey: key, baseURL: gw.base, maxRetries: 0, defaultHeaders: from });
    for (let i = 0; i < 3; i++) expect(await guesser(generateKey()).models.list().catch((e: unknown) => e)).toBeInstanceOf(OpenAI.AuthenticationError);
    const blocked = await guesser(generateKey()).models.list().catch((e: unknown) => e);
    expect(blocked).toBeInstanceOf(OpenAI.RateLimitError);
    // Today the limiter only runs after a failed lookup: this valid key would be served.
    const res = await getJson(`${gw.base}/models`, valid.key, from);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Another address is not affected.
    expect((await getJson(`${gw.base}/models`, valid.key, { "x-forwarded-for": "198.51.100.24" })).status).toBe(200);
  });

  it("TRUSTED_PROXY_HOPS=0 uses the socket address: rotating X-Forwarded-For does not reset the limit", async () => {
    const restore = setEnv({ TRUSTED_PROXY_HOPS: "0" });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await getJson(`${gw.base}/models`, generateKey(), { "x-forwarded-for": `203.0.113.${i}` })).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
    } finally {
      restore();
    }
  });
});
