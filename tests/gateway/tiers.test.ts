// The tier table over HTTP through the official OpenAI SDK: for every tier its minute, day and
// concurrency limits, the quota headers on every authenticated response, and the UTC-day quota
// under a frozen clock.
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { dayCounterKey, getLimitStore, TIERS } from "../../lib/ratelimit";
import { getRedis } from "../../lib/redis";
import { fundedAccount, newKey, RELAXED_TIMEOUTS, sleep, startGateway, type Gateway } from "./helpers";

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway(RELAXED_TIMEOUTS);
});
afterAll(async () => {
  await gw?.close();
});
afterEach(() => {
  vi.useRealTimers();
});

const sdk = (key: string) => new OpenAI({ apiKey: key, baseURL: gw.base, maxRetries: 0 });

async function failure(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OpenAI.APIError);
  return e as InstanceType<typeof OpenAI.APIError>;
}

/** Keeps a burst inside one 60 s window (the sliding window also weighs the previous one). */
async function awayFromWindowEdge(seconds: number): Promise<void> {
  const into = Date.now() % 60_000;
  if (into > 60_000 - seconds * 1000) await sleep(60_000 - into + 50);
}

const nextMidnight = (ms: number) => (Math.floor(ms / 86_400_000) + 1) * 86_400;

describe.each(Object.entries(TIERS))("tier %s", (tier, limits) => {
  it(`minute window: ${limits.perMinute} requests, then 429 RATE_LIMITED; quota headers on every response`, async () => {
    const { accountId } = await fundedAccount(gw.t, { concurrency: 100 });
    const { key } = await newKey(gw.t, accountId, { tier: tier as keyof typeof TIERS });
    const client = sdk(key);
    await awayFromWindowEdge(20);
    let last: Response | undefined;
    for (let i = 0; i < limits.perMinute; i++) {
      const { response } = await client.models.list().withResponse();
      last = response;
      if (i === 0) {
        expect(response.headers.get("x-ratelimit-limit")).toBe(String(limits.perMinute));
        expect(response.headers.get("x-ratelimit-limit-day")).toBe(String(limits.perDay));
        expect(response.headers.get("x-ratelimit-remaining-day")).toBe(String(limits.perDay - 1));
        expect(response.headers.get("x-ratelimit-reset-day")).toBe(String(nextMidnight(Date.now())));
        expect(response.headers.get("ratelimit-policy")).toBe(`"minute";q=${limits.perMinute};w=60, "day";q=${limits.perDay};w=86400`);
        expect(response.headers.get("ratelimit")).toMatch(new RegExp(`^"minute";r=${limits.perMinute - 1};t=\\d+$`));
      }
    }
    expect(last!.headers.get("x-ratelimit-remaining")).toBe("0");
    const e = await failure(client.models.list());
    expect([e.status, e.code]).toEqual([429, "RATE_LIMITED"]);
    expect(Number(e.headers?.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(e.headers?.get("ratelimit")).toMatch(/^"minute";r=0;t=\d+$/);
  });

  it(`day quota: ${limits.perDay} requests per UTC day, then 429 RATE_LIMITED with Retry-After at midnight`, async () => {
    const { accountId } = await fundedAccount(gw.t, { concurrency: 100 });
    const { id, key } = await newKey(gw.t, accountId, { tier: tier as keyof typeof TIERS });
    const client = sdk(key);
    const store = await getLimitStore();
    if (store.kind === "upstash") return;
    // Most of the day's quota already used (state in Redis, where the gateway keeps it).
    const { client: redis } = await getRedis();
    await redis.set(dayCounterKey(accountId, id, new Date().toISOString().slice(0, 10)), String(limits.perDay - 1), "EX", 3600);
    const { response } = await client.chat.completions.create({ model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: "last one today" }] }).withResponse();
    expect(response.headers.get("x-ratelimit-remaining-day")).toBe("0");
    expect(response.headers.get("ratelimit")).toMatch(/^"day";r=0;t=\d+$/);
    const e = await failure(client.chat.completions.create({ model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: "one too many" }] }));
    expect([e.status, e.code]).toEqual([429, "RATE_LIMITED"]);
    const retryAfter = Number(e.headers?.get("retry-after"));
    expect(Math.abs(retryAfter - (nextMidnight(Date.now()) - Math.floor(Date.now() / 1000)))).toBeLessThanOrEqual(2);
    expect(e.headers?.get("x-ratelimit-remaining-day")).toBe("0");
  });

  it(`concurrency: ${limits.concurrency} calls in flight per key, the next one 429 CONCURRENCY_LIMITED`, async () => {
    const { accountId } = await fundedAccount(gw.t, { concurrency: 1000, micros: 50_000_000n });
    const { key } = await newKey(gw.t, accountId, { tier: tier as keyof typeof TIERS });
    const client = sdk(key);
    const slow = () => client.chat.completions.create({ model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: "hold the slot #latency=2500" }] });
    const inFlight = Array.from({ length: limits.concurrency }, () => slow());
    await sleep(800); // all of them admitted and waiting on the upstream
    const e = await failure(client.models.list());
    expect([e.status, e.code]).toEqual([429, "CONCURRENCY_LIMITED"]);
    expect(e.message).toContain(`limit ${limits.concurrency}`);
    const done = await Promise.allSettled(inFlight);
    expect(done.map((d) => d.status)).toEqual(Array(limits.concurrency).fill("fulfilled"));
    // Slots are free again once the calls are done (booked).
    let ok = false;
    for (let i = 0; i < 40 && !ok; i++) ok = await client.models.list().then(() => true, () => false).then((r) => r || sleep(50).then(() => false));
    expect(ok).toBe(true);
  });
});

describe("staff overrides and the account limit", () => {
  it("custom minute/day/concurrency limits override the tier; the account's concurrency still applies", async () => {
    const { accountId } = await fundedAccount(gw.t, { concurrency: 2 });
    const { key } = await newKey(gw.t, accountId, { tier: "standard", customRpm: 77, customRpd: 1234, customConcurrency: 40 });
    const client = sdk(key);
    const { response } = await client.models.list().withResponse();
    expect(response.headers.get("x-ratelimit-limit")).toBe("77");
    expect(response.headers.get("x-ratelimit-limit-day")).toBe("1234");
    const slow = () => client.chat.completions.create({ model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: "slot #latency=1500" }] });
    const inFlight = [slow(), slow()];
    await sleep(500);
    const e = await failure(client.models.list());
    expect([e.status, e.code]).toEqual([429, "CONCURRENCY_LIMITED"]);
    expect(e.message).toContain("this account");
    await Promise.all(inFlight);
  });
});

describe("the day quota with a frozen clock", () => {
  it("closes at the quota until UTC midnight (Retry-After to it) and reopens the next day", async () => {
    const { accountId } = await fundedAccount(gw.t, { concurrency: 100 });
    const { key } = await newKey(gw.t, accountId, { tier: "enterprise", customRpd: 3 });
    const client = sdk(key);
    // Only Date is frozen: timers and I/O run as usual, the gateway reads the frozen time.
    const today = Math.floor(Date.now() / 86_400_000) * 86_400_000;
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(today + 86_400_000 - 30_000); // 23:59:30 UTC
    for (let i = 0; i < 3; i++) await client.models.list();
    const e = await failure(client.models.list());
    expect([e.status, e.code]).toEqual([429, "RATE_LIMITED"]);
    expect(e.headers?.get("retry-after")).toBe("30");
    expect(e.headers?.get("x-ratelimit-reset-day")).toBe(String((today + 86_400_000) / 1000));
    vi.setSystemTime(today + 86_400_000 - 1_000); // still the same day
    expect((await failure(client.models.list())).headers?.get("retry-after")).toBe("1");
    vi.setSystemTime(today + 86_400_000 + 1_000); // 00:00:01 the next day
    const { response } = await client.models.list().withResponse();
    expect(response.headers.get("x-ratelimit-remaining-day")).toBe("2");
    expect(response.headers.get("x-ratelimit-reset-day")).toBe(String((today + 2 * 86_400_000) / 1000));
  });
});
