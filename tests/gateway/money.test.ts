// Money on the request path: exact funds under concurrency, clamping, caps, BYOK, rejected
// requests never charged, tenant isolation of /requests and /usage.
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holds, ledgerEntries, requests } from "../../db/schema";
import { creditAccount, getCredits, verifyLedger } from "../../lib/ledger";
import { fundedAccount, getJson, mockTokens, newKey, postJson, startGateway, RELAXED_TIMEOUTS, type Gateway } from "./helpers";

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway(RELAXED_TIMEOUTS);
});
afterAll(async () => {
  await gw?.close();
});

const chat = (key: string, body: Record<string, unknown> | string, headers: Record<string, string> = {}) => postJson(`${gw.base}/chat/completions`, key, body, headers);
const cost = (inTok: number, outTok: number, ip: number, op: number) => BigInt(Math.ceil((inTok * ip + outTok * op) / 1e6));
const holdFor = (prompt: string, maxOut: number, ip: number, op: number) => cost(Math.ceil(Buffer.byteLength(prompt) / 3), maxOut, ip, op);

async function pendingHolds(accountId: string) {
  return gw.t.db.select().from(holds).where(and(eq(holds.accountId, accountId), eq(holds.status, "pending")));
}
async function lastMock(): Promise<Record<string, unknown>> {
  return (await fetch(`${gw.mock.url}/__last-request`)).json();
}

describe("exact funds under concurrency", () => {
  it("funded for K max-cost calls, N ≫ K concurrent slow calls: K served, the rest 402 with no charge", async () => {
    const K = 4;
    const N = 24;
    // Output = max_tokens, so each call really spends (almost) its whole hold: however the calls
    // interleave, what is left after K calls is less than one more hold.
    const prompt = "exact funds test, slow model #latency=400 #tokens=200";
    const hold = holdFor(prompt, 200, 3_000_000, 15_000_000); // mock-large, max_tokens 200
    const { accountId } = await fundedAccount(gw.t, { micros: hold * BigInt(K), concurrency: 100 });
    const { key } = await newKey(gw.t, accountId, { tier: "enterprise" });
    const results = await Promise.all(Array.from({ length: N }, () => chat(key, { model: "mock-large", max_tokens: 200, messages: [{ role: "user", content: prompt }] })));
    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 402);
    expect(ok.length).toBe(K);
    expect(refused.length).toBe(N - K);
    for (const r of refused) expect((await r.json()).code).toBe("INSUFFICIENT_CREDITS");
    const actual = cost(mockTokens(prompt), 200, 3_000_000, 15_000_000);
    expect(hold * BigInt(K) - actual * BigInt(K)).toBeLessThan(hold);
    const credits = await getCredits(gw.t.db, accountId);
    expect(credits.balanceMicros).toBe(hold * BigInt(K) - actual * BigInt(K));
    expect(credits.heldMicros).toBe(BigInt(0));
    const charges = await gw.t.db.select().from(ledgerEntries).where(and(eq(ledgerEntries.accountId, accountId), eq(ledgerEntries.type, "charge")));
    expect(charges.length).toBe(K);
    const logged = await gw.t.db.select().from(requests).where(eq(requests.accountId, accountId));
    expect(logged.filter((r) => r.statusCode === 402 && r.costMicros === BigInt(0)).length).toBe(N - K);
    expect((await verifyLedger(gw.t.db, accountId)).violations).toEqual([]);
  });
});

describe("many concurrent calls on one account", () => {
  it("all succeed (no lock conflicts between holds, settlements and request rows) and the ledger verifies", async () => {
    const { accountId } = await fundedAccount(gw.t, { concurrency: 200 });
    const { key } = await newKey(gw.t, accountId, { customRpm: 10_000, customConcurrency: 200 });
    const body = (i: number) => ({ model: "mock-small", max_tokens: 8, messages: [{ role: "user", content: `parallel ${i} #tokens=8` }] });
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => chat(key, body(i))));
    expect(results.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    const logged = await gw.t.db.select().from(requests).where(eq(requests.accountId, accountId));
    expect(logged.length).toBe(60);
    const total = logged.reduce((n, r) => n + r.costMicros, BigInt(0));
    expect((await getCredits(gw.t.db, accountId)).balanceMicros).toBe(BigInt(10_000_000) - total);
    expect((await verifyLedger(gw.t.db, accountId)).violations).toEqual([]);
  });
});

describe("holds and clamping", () => {
  it("no client max and only a clamp affordable: max_tokens clamped upstream and reported in X-Tollgate-Max-Tokens", async () => {
    const prompt = "clamp me please";
    const inEst = Math.ceil(Buffer.byteLength(prompt) / 3);
    const funds = BigInt(200); // micro-USD: mock-small output is 1.5 µ$/token
    const { accountId } = await fundedAccount(gw.t, { micros: funds });
    const { key } = await newKey(gw.t, accountId);
    const res = await chat(key, { model: "mock-small", messages: [{ role: "user", content: prompt }] });
    expect(res.status).toBe(200);
    const expected = Math.floor((Number(funds) * 1e6 - inEst * 500_000) / 1_500_000);
    expect(res.headers.get("x-tollgate-max-tokens")).toBe(String(expected));
    expect((await lastMock()).maxTokens).toBe(expected);
    const body = await res.json();
    expect(body.usage.completion_tokens).toBe(16);
    const detail = await (await getJson(`${gw.base}/requests/${res.headers.get("x-request-id")}`, key)).json();
    expect(detail.max_tokens_clamped).toBe(expected);
    expect(detail.hold_micros).toBe(funds.toString());
  });

  it("not even 16 tokens affordable → 402, nothing charged, no hold left", async () => {
    const { accountId } = await fundedAccount(gw.t, { micros: BigInt(20) });
    const { key } = await newKey(gw.t, accountId);
    const res = await chat(key, { model: "mock-small", messages: [{ role: "user", content: "a fairly long prompt that costs more than twenty micro dollars to hold" }] });
    expect(res.status).toBe(402);
    const body = await res.json();
    expect(body).toMatchObject({ code: "INSUFFICIENT_CREDITS", status: 402, error: { type: "insufficient_quota" } });
    expect((await getCredits(gw.t.db, accountId)).balanceMicros).toBe(BigInt(20));
    expect(await pendingHolds(accountId)).toEqual([]);
  });

  it("a client max that is not affordable is never clamped: 402", async () => {
    const { accountId } = await fundedAccount(gw.t, { micros: BigInt(200) });
    const { key } = await newKey(gw.t, accountId);
    const res = await chat(key, { model: "mock-small", max_tokens: 4000, messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(402);
    expect(res.headers.get("x-tollgate-max-tokens")).toBeNull();
  });

  it("max_tokens above the model's max → 400 with the param", async () => {
    const { accountId } = await fundedAccount(gw.t);
    const { key } = await newKey(gw.t, accountId);
    const res = await chat(key, { model: "mock-small", max_completion_tokens: 5000, messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ code: "INVALID_REQUEST", param: "max_completion_tokens" });
  });

  it("per-key daily spend cap and lifetime credit limit → 402 with their codes", async () => {
    const { accountId } = await fundedAccount(gw.t);
    const capped = await newKey(gw.t, accountId, { dailySpendCapMicros: 100 });
    const limited = await newKey(gw.t, accountId, { creditLimitMicros: 100 });
    const body = { model: "mock-large", max_tokens: 100, messages: [{ role: "user", content: "hi" }] };
    const a = await chat(capped.key, body);
    expect(a.status).toBe(402);
    expect((await a.json()).code).toBe("DAILY_SPEND_CAP_REACHED");
    const b = await chat(limited.key, body);
    expect(b.status).toBe(402);
    expect((await b.json()).code).toBe("KEY_CREDIT_LIMIT_REACHED");
    expect((await getCredits(gw.t.db, accountId)).balanceMicros).toBe(BigInt(10_000_000));
  });
});

describe("BYOK", () => {
  it("forwards the caller's provider key and charges only the platform fee (5 %, min $0.01)", async () => {
    const { accountId } = await fundedAccount(gw.t);
    const { key } = await newKey(gw.t, accountId);
    const prompt = "byok call #tokens=16";
    const res = await chat(key, { model: "mock-small", max_tokens: 50, messages: [{ role: "user", content: prompt }] }, { "x-provider-key": "sk-customer-own-key" });
    expect(res.status).toBe(200);
    expect((await lastMock()).authorization).toBe("Bearer sk-customer-own-key");
    const entries = await gw.t.db.select().from(ledgerEntries).where(eq(ledgerEntries.accountId, accountId));
    const fee = entries.filter((e) => e.type === "byok_fee");
    expect(fee.length).toBe(1);
    expect(fee[0].amountMicros).toBe(BigInt(-10_000)); // 5 % of a tiny cost is below the minimum
    expect(entries.filter((e) => e.type === "charge")).toEqual([]);
    const detail = await (await getJson(`${gw.base}/requests/${res.headers.get("x-request-id")}`, key)).json();
    expect(detail).toMatchObject({ byok: true, cost_micros: "10000" });
    expect((await verifyLedger(gw.t.db, accountId)).violations).toEqual([]);
  });
});

describe("rejected requests are never charged", () => {
  it("bad JSON, schema errors, unknown or wrong-kind models, oversized bodies → documented 4xx", async () => {
    const { accountId } = await fundedAccount(gw.t);
    const { key } = await newKey(gw.t, accountId, { tier: "enterprise" });
    const cases: [unknown, number, string, string | null][] = [
      ["{not json", 400, "INVALID_REQUEST", null],
      ["[1,2]", 400, "INVALID_REQUEST", null],
      [{ model: "mock-small" }, 400, "INVALID_REQUEST", "messages"],
      [{ model: "mock-small", messages: [{ role: "user", content: "x" }], max_tokens: -1 }, 400, "INVALID_REQUEST", "max_tokens"],
      [{ model: "mock-small", messages: [{ content: "x" }] }, 400, "INVALID_REQUEST", "messages.0.role"],
      [{ model: "no-such-model", messages: [{ role: "user", content: "x" }] }, 404, "MODEL_NOT_FOUND", "model"],
      [{ model: "mock-embed", messages: [{ role: "user", content: "x" }] }, 400, "INVALID_REQUEST", "model"],
    ];
    for (const [body, status, code, param] of cases) {
      const res = await chat(key, body as Record<string, unknown> | string);
      expect(res.status, JSON.stringify(body)).toBe(status);
      const j = await res.json();
      expect(j.code).toBe(code);
      expect(j.error.param).toBe(param);
    }
    const huge = JSON.stringify({ model: "mock-small", messages: [{ role: "user", content: "x".repeat(4 * 1024 * 1024) }] });
    const big = await chat(key, huge);
    expect(big.status).toBe(413);
    expect((await big.json()).code).toBe("PAYLOAD_TOO_LARGE");
    // Chunked upload without Content-Length: refused while reading.
    const chunked = await fetch(`${gw.base}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < 5; i++) c.enqueue(new TextEncoder().encode("x".repeat(1024 * 1024)));
          c.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    const emb = await postJson(`${gw.base}/embeddings`, key, { model: "mock-small", input: "x" });
    expect(emb.status).toBe(400);
    expect((await postJson(`${gw.base}/embeddings`, key, { model: "mock-embed", input: [] })).status).toBe(400);
    const credits = await getCredits(gw.t.db, accountId);
    expect(credits.balanceMicros).toBe(BigInt(10_000_000));
    expect(credits.heldMicros).toBe(BigInt(0));
    expect(await gw.t.db.select().from(holds).where(eq(holds.accountId, accountId))).toEqual([]);
  });
});

describe("tenant isolation", () => {
  it("/requests/{id} answers only for the caller's account; /usage counts only its own calls", async () => {
    const a = await fundedAccount(gw.t);
    const b = await fundedAccount(gw.t);
    const ka = await newKey(gw.t, a.accountId, { tier: "enterprise" });
    const kb = await newKey(gw.t, b.accountId, { tier: "enterprise" });
    const res = await chat(ka.key, { model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: "tenant a" }] });
    const rid = res.headers.get("x-request-id")!;
    expect((await getJson(`${gw.base}/requests/${rid}`, ka.key)).status).toBe(200);
    const other = await getJson(`${gw.base}/requests/${rid}`, kb.key);
    expect(other.status).toBe(404);
    expect((await other.json()).code).toBe("NOT_FOUND");
    expect((await getJson(`${gw.base}/requests/req_doesnotexist00`, ka.key)).status).toBe(404);
    await chat(kb.key, { model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: "tenant b" }] });
    await chat(kb.key, { model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: "tenant b again" }] });
    const ua = await (await getJson(`${gw.base}/usage?days=7`, ka.key)).json();
    const ub = await (await getJson(`${gw.base}/usage?days=7`, kb.key)).json();
    expect(ua.data).toHaveLength(7);
    expect(ua.totals.requests).toBe(1);
    expect(ub.totals.requests).toBe(2);
    const today = new Date().toISOString().slice(0, 10);
    expect(ua.data.at(-1)).toMatchObject({ date: today, requests: 1, output_tokens: 5 });
    expect(BigInt(ua.totals.cost_micros)).toBe((await getCredits(gw.t.db, a.accountId)).balanceMicros * BigInt(-1) + BigInt(10_000_000));
    expect((await getJson(`${gw.base}/usage?days=91`, ka.key)).status).toBe(400);
    expect((await getJson(`${gw.base}/usage?days=zero`, ka.key)).status).toBe(400);
  });

  it("a reused client request id is two calls, each with its own records", async () => {
    const a = await fundedAccount(gw.t);
    const ka = await newKey(gw.t, a.accountId, { tier: "enterprise" });
    const body = { model: "mock-small", max_tokens: 5, messages: [{ role: "user", content: "dup id" }] };
    const first = await chat(ka.key, body, { "x-request-id": "my-fixed-request-id-1" });
    expect(first.status).toBe(200);
    const second = await chat(ka.key, body, { "x-request-id": "my-fixed-request-id-1" });
    expect(second.status).toBe(200);
    expect(second.headers.get("x-request-id")).not.toBe(first.headers.get("x-request-id"));
    const rows = await gw.t.db.select().from(requests).where(eq(requests.clientRequestId, "my-fixed-request-id-1"));
    expect(rows.map((r) => r.costMicros > 0n)).toEqual([true, true]);
    expect((await verifyLedger(gw.t.db, a.accountId)).violations).toEqual([]);
  });
});

it("GET /credits reports balance, held, available and expiring credits", async () => {
  const { accountId } = await fundedAccount(gw.t, { micros: BigInt(2_500_000) });
  const { key } = await newKey(gw.t, accountId);
  const res = await getJson(`${gw.base}/credits`, key);
  const body = await res.json();
  expect(body).toMatchObject({ balance_usd: 2.5, held_usd: 0, available_usd: 2.5, balance_micros: "2500000" });
  expect(typeof body.expiring_next_30_days_usd).toBe("number");
  expect(res.headers.get("x-credit-balance-usd")).toBe("2.500000");
  expect(res.headers.get("x-credit-expiring-soon")).toBeNull(); // the grant expires in a year
});

it("X-Credit-Expiring-Soon: true when credits expire within 30 days", async () => {
  const { accountId } = await fundedAccount(gw.t, { micros: BigInt(0) });
  await creditAccount(gw.t.db, { accountId, kind: "promo", amountMicros: BigInt(1_000_000), expiresAt: new Date(Date.now() + 10 * 86_400_000), reason: "promo", actor: { kind: "system" } });
  const { key } = await newKey(gw.t, accountId);
  const res = await getJson(`${gw.base}/credits`, key);
  expect(res.headers.get("x-credit-expiring-soon")).toBe("true");
  expect((await res.json()).expiring_next_30_days_usd).toBe(1);
});
