// RATELIMIT_FAIL_MODE with the limiter's Redis down: open serves (and the ledger still refuses
// what the account cannot pay for), closed answers 503 with Retry-After and charges nothing.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCredits } from "../../lib/ledger";
import { fundedAccount, newKey, setEnv, settled, startGateway, type Gateway } from "./helpers";

let gw: Gateway;
beforeAll(async () => {
  delete process.env.UPSTASH_REDIS_REST_URL;
  gw = await startGateway({ REDIS_URL: "redis://127.0.0.1:1", RATELIMIT_TIMEOUT_MS: "300" }); // nothing listens there
});
afterAll(async () => {
  await gw?.close();
});

async function customer(micros: bigint) {
  const { accountId } = await fundedAccount(gw.t, { micros });
  const { key } = await newKey(gw.t, accountId);
  return { accountId, openai: new OpenAI({ apiKey: key, baseURL: gw.base, maxRetries: 0 }) };
}
const call = (openai: OpenAI) => openai.chat.completions.create({ model: "mock-small", max_tokens: 100, messages: [{ role: "user", content: "hello #tokens=100" }] });

describe("rate-limit store down", () => {
  it("open (default): requests are served, and the ledger still refuses what the balance cannot cover", async () => {
    const restore = setEnv({ RATELIMIT_FAIL_MODE: "open" });
    try {
      // Each call costs ~$0.00015; $0.0004 pays for two, then 402.
      const c = await customer(BigInt(400));
      const outcomes: (number | string)[] = [];
      for (let i = 0; i < 4; i++) outcomes.push(await call(c.openai).then(() => 200, (e: { status?: number }) => e.status ?? "error"));
      await settled();
      expect(outcomes.slice(0, 2)).toEqual([200, 200]);
      expect(outcomes.slice(2)).toEqual([402, 402]);
      expect((await getCredits(gw.t.db, c.accountId)).balanceMicros).toBeGreaterThanOrEqual(BigInt(0));
    } finally {
      restore();
    }
  });

  it("closed: 503 with Retry-After, nothing charged; the ledger is not even reached", async () => {
    const restore = setEnv({ RATELIMIT_FAIL_MODE: "closed" });
    try {
      const c = await customer(BigInt(1_000_000));
      const err = await call(c.openai).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
      expect(Number((err as InstanceType<typeof OpenAI.APIError>).headers?.get("retry-after"))).toBeGreaterThanOrEqual(1);
      await settled();
      expect((await getCredits(gw.t.db, c.accountId)).balanceMicros).toBe(BigInt(1_000_000));
    } finally {
      restore();
    }
  });
});
