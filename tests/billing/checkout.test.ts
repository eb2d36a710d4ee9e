// Top-ups: Checkout Session creation through the real Stripe SDK against the local stand-in,
// fulfilment from the success page, simulated payments, lots and the low-balance threshold.
import { closeAccountRecord } from "../../lib/accounts/lifecycle";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { rows } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import {
  completeSimulatedPayment,
  fulfilCheckoutSession,
  getCheckoutSession,
  listLots,
  paymentsMode,
  setLowBalanceThreshold,
  startTopUp,
} from "@/lib/billing";
import { creditAccount, getCredits, verifyLedger } from "@/lib/ledger";
import { createTestDb, type TestDb } from "../helpers/db";
import { makeAccount, makeUser } from "./helpers/fixtures";
import { startStripeStandIn, type StripeStandIn } from "./helpers/stripe-standin";

let t: TestDb;
let stripe: StripeStandIn;
const savedEnv = { ...process.env };

function useStripe() {
  Object.assign(process.env, {
    STRIPE_SECRET_KEY: "sk_test_billing_checkout",
    STRIPE_API_HOST: "127.0.0.1",
    STRIPE_API_PORT: String(stripe.port),
    STRIPE_API_PROTOCOL: "http",
    APP_URL: "https://console.example.test/",
  });
  resetEnvCache();
}

function useSimulated(nodeEnv: string = "test", allow?: string) {
  delete process.env.STRIPE_SECRET_KEY;
  (process.env as Record<string, string>).NODE_ENV = nodeEnv;
  if (allow === undefined) delete process.env.ALLOW_SIMULATED_PAYMENTS;
  else process.env.ALLOW_SIMULATED_PAYMENTS = allow;
  if (nodeEnv === "production") process.env.AUTH_SECRET ??= "checkout-test-secret";
  resetEnvCache();
}

beforeAll(async () => {
  stripe = await startStripeStandIn();
  t = await createTestDb();
});
afterEach(() => {
  process.env = { ...savedEnv };
  resetEnvCache();
});
afterAll(async () => {
  await stripe?.close();
  await t?.dispose();
});

async function owner() {
  const accountId = await makeAccount(t.db);
  const { userId } = await makeUser(t.db, { accountId, role: "owner" });
  return { accountId, userId };
}

describe("Stripe Checkout", () => {
  it("a closed account cannot start a top-up (nothing is sent to Stripe)", async () => {
    useStripe();
    const ctx = await owner();
    await closeAccountRecord(t.db, { kind: "user", userId: ctx.userId }, { accountId: ctx.accountId });
    const before = stripe.requests.length;
    await expect(startTopUp(t.db, ctx, { amountMicros: 10_000_000n })).rejects.toMatchObject({ code: "CONFLICT" });
    expect(stripe.requests.length).toBe(before);
  });

  it("a payment completing after the account closed is booked once and flagged to staff for a refund, once", async () => {
    useStripe();
    const ctx = await owner();
    const { sessionId } = await startTopUp(t.db, ctx, { amountMicros: 20_000_000n });
    await closeAccountRecord(t.db, { kind: "user", userId: ctx.userId }, { accountId: ctx.accountId });
    stripe.markPaid(sessionId); // the customer finished paying in the tab they had opened before
    const results = await Promise.all(Array.from({ length: 5 }, () => fulfilCheckoutSession(t.db, sessionId)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect((await getCredits(t.db, ctx.accountId)).balanceMicros).toBe(20_000_000n);
    await fulfilCheckoutSession(t.db, sessionId); // a replayed event
    const notices = await rows<{ kind: string; title: string; body: string }>(t.db, sql`SELECT kind, title, body FROM staff_notifications WHERE account_id = ${ctx.accountId}`);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ kind: "payment_after_closure" });
    expect(notices[0].title).toContain("$20.00");
    expect(notices[0].body).toContain(sessionId);
    // An open account's payment raises nothing.
    const open = await owner();
    const paid = await startTopUp(t.db, open, { amountMicros: 5_000_000n });
    stripe.markPaid(paid.sessionId);
    await fulfilCheckoutSession(t.db, paid.sessionId);
    const none = await rows<{ n: string }>(t.db, sql`SELECT count(*)::text AS n FROM staff_notifications WHERE account_id = ${open.accountId}`);
    expect(none[0].n).toBe("0");
  });

  it("creates a session with the amount, USD, account reference, metadata, URLs and an idempotency key", async () => {
    useStripe();
    expect(paymentsMode()).toBe("stripe");
    const ctx = await owner();
    const before = stripe.requests.length;
    const started = await startTopUp(t.db, ctx, { amountMicros: 25_000_000n });
    expect(started.simulated).toBe(false);
    expect(started.sessionId).toMatch(/^cs_test_/);
    expect(started.url).toContain(started.sessionId);
    const sent = stripe.requests.slice(before);
    expect(sent).toHaveLength(1);
    const req = sent[0];
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/v1/checkout/sessions");
    expect(req.headers.authorization).toBe("Bearer sk_test_billing_checkout");
    expect(String(req.headers["idempotency-key"])).toMatch(/^tollgate-topup-[0-9a-f]{40}$/);
    const f = Object.fromEntries(req.form);
    expect(f).toMatchObject({
      mode: "payment",
      client_reference_id: ctx.accountId,
      "metadata[account_id]": ctx.accountId,
      "metadata[user_id]": ctx.userId,
      "line_items[0][quantity]": "1",
      "line_items[0][price_data][currency]": "usd",
      "line_items[0][price_data][unit_amount]": "2500",
      "line_items[0][price_data][product_data][name]": "Tollgate credits",
      success_url: "https://console.example.test/billing/success?session_id={CHECKOUT_SESSION_ID}",
      cancel_url: "https://console.example.test/billing/cancel",
    });
    const [row] = await rows<{ account_id: string; amount_micros: string; status: string; simulated: boolean }>(
      t.db,
      sql`SELECT account_id, amount_micros::text, status::text, simulated FROM checkout_sessions WHERE id = ${started.sessionId}`,
    );
    expect(row).toEqual({ account_id: ctx.accountId, amount_micros: "25000000", status: "open", simulated: false });
    const [audit] = await rows(t.db, sql`SELECT 1 FROM audit_log WHERE action = 'billing.checkout_started' AND target_id = ${started.sessionId}`);
    expect(audit).toBeDefined();
  });

  it("a double-submitted form yields one session; another intent yields another", async () => {
    useStripe();
    const ctx = await owner();
    const [a, b] = await Promise.all([
      startTopUp(t.db, ctx, { amountMicros: 10_000_000n, idempotencyKey: "form-nonce-1" }),
      startTopUp(t.db, ctx, { amountMicros: 10_000_000n, idempotencyKey: "form-nonce-1" }),
    ]);
    expect(a.sessionId).toBe(b.sessionId);
    const c = await startTopUp(t.db, ctx, { amountMicros: 10_000_000n, idempotencyKey: "form-nonce-2" });
    expect(c.sessionId).not.toBe(a.sessionId);
    const [{ n }] = await rows<{ n: string }>(t.db, sql`SELECT count(*)::text AS n FROM checkout_sessions WHERE account_id = ${ctx.accountId}`);
    expect(n).toBe("2");
  });

  it("accepts presets and custom whole-cent amounts in $5–$1,000, rejects the rest before calling Stripe", async () => {
    useStripe();
    const ctx = await owner();
    for (const usd of [5, 10, 25, 50, 100, 250, 500, 1000]) {
      await expect(startTopUp(t.db, ctx, { amountMicros: BigInt(usd) * 1_000_000n, idempotencyKey: `preset-${usd}-xx` })).resolves.toMatchObject({ simulated: false });
    }
    await expect(startTopUp(t.db, ctx, { amountMicros: "37510000" })).resolves.toMatchObject({ simulated: false });
    const before = stripe.requests.length;
    for (const bad of [4_990_000n, 1_000_010_000n, 5_000_001n, 5_005_000n, -5_000_000n, 0n, "12.5", "abc", 1e30, null]) {
      await expect(startTopUp(t.db, ctx, { amountMicros: bad as never })).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    }
    expect(stripe.requests.length).toBe(before);
  });

  it("only owner/admin/finance of the account may start a top-up", async () => {
    useStripe();
    const { accountId } = await owner();
    const finance = await makeUser(t.db, { accountId, role: "finance" });
    const member = await makeUser(t.db, { accountId, role: "member" });
    const outsider = await owner();
    await expect(startTopUp(t.db, { accountId, userId: finance.userId }, { amountMicros: 5_000_000n })).resolves.toBeDefined();
    await expect(startTopUp(t.db, { accountId, userId: member.userId }, { amountMicros: 5_000_000n })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(startTopUp(t.db, { accountId, userId: outsider.userId }, { amountMicros: 5_000_000n })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("reports an unavailable payment provider clearly and records nothing", async () => {
    useStripe();
    const ctx = await owner();
    stripe.failNext(3);
    await expect(startTopUp(t.db, ctx, { amountMicros: 5_000_000n, idempotencyKey: "outage-test" })).rejects.toMatchObject({ code: "UPSTREAM_UNAVAILABLE" });
    const [{ n }] = await rows<{ n: string }>(t.db, sql`SELECT count(*)::text AS n FROM checkout_sessions WHERE account_id = ${ctx.accountId}`);
    expect(n).toBe("0");
  });

  it("the success page fulfils once paid (20 concurrent calls → one credit) and hides other accounts' sessions", async () => {
    useStripe();
    const ctx = await owner();
    const other = await owner();
    const { sessionId } = await startTopUp(t.db, ctx, { amountMicros: 50_000_000n });
    expect(await fulfilCheckoutSession(t.db, sessionId, { expectedAccountId: ctx.accountId })).toMatchObject({ status: "not_paid", amountMicros: 50_000_000n });
    stripe.markPaid(sessionId);
    await expect(fulfilCheckoutSession(t.db, sessionId, { expectedAccountId: other.accountId })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const results = await Promise.all(Array.from({ length: 20 }, () => fulfilCheckoutSession(t.db, sessionId, { expectedAccountId: ctx.accountId })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.filter((r) => r.status === "already_fulfilled")).toHaveLength(19);
    expect((await getCredits(t.db, ctx.accountId)).balanceMicros).toBe(50_000_000n);
    expect(await getCheckoutSession(t.db, ctx, sessionId)).toMatchObject({ status: "fulfilled", amountMicros: 50_000_000n });
    expect(await getCheckoutSession(t.db, other, sessionId)).toBeNull();
    await expect(fulfilCheckoutSession(t.db, "cs_test_doesnotexist")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(fulfilCheckoutSession(t.db, "'; DROP TABLE x; --")).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    expect((await verifyLedger(t.db, ctx.accountId)).violations).toEqual([]);
  });
});

describe("simulated payments (no Stripe keys)", () => {
  it("start → simulate page → pay: same fulfilment, once, only for the session's own account", async () => {
    useSimulated();
    expect(paymentsMode()).toBe("simulated");
    const ctx = await owner();
    const other = await owner();
    const member = await makeUser(t.db, { accountId: ctx.accountId, role: "member" });
    const before = stripe.requests.length;
    const started = await startTopUp(t.db, ctx, { amountMicros: 100_000_000n });
    expect(started).toMatchObject({ simulated: true, url: `/billing/simulate/${started.sessionId}` });
    expect(started.sessionId).toMatch(/^sim_cs_[A-Za-z0-9]{24}$/);
    expect(stripe.requests.length).toBe(before); // never talks to Stripe
    expect(await fulfilCheckoutSession(t.db, started.sessionId)).toMatchObject({ status: "not_paid" });
    await expect(completeSimulatedPayment(t.db, other, started.sessionId)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(completeSimulatedPayment(t.db, { accountId: ctx.accountId, userId: member.userId }, started.sessionId)).rejects.toMatchObject({ code: "FORBIDDEN" });
    const results = await Promise.all(Array.from({ length: 10 }, () => completeSimulatedPayment(t.db, ctx, started.sessionId)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.every((r) => r.amountMicros === 100_000_000n && r.accountId === ctx.accountId)).toBe(true);
    expect(await fulfilCheckoutSession(t.db, started.sessionId, { expectedAccountId: ctx.accountId })).toMatchObject({ status: "already_fulfilled" });
    const [entry] = await rows<{ type: string; amount_micros: string; stripe_reference: string }>(
      t.db,
      sql`SELECT type::text, amount_micros::text, stripe_reference FROM ledger_entries WHERE account_id = ${ctx.accountId}`,
    );
    expect(entry).toEqual({ type: "topup", amount_micros: "100000000", stripe_reference: started.sessionId });
    const lots = await listLots(t.db, ctx.accountId);
    expect(lots).toHaveLength(1);
    expect(lots[0]).toMatchObject({ kind: "paid", remainingMicros: 100_000_000n, status: "active", stripeSessionId: started.sessionId });
    expect((await verifyLedger(t.db, ctx.accountId)).violations).toEqual([]);
  });

  it("is off in production unless ALLOW_SIMULATED_PAYMENTS=true", async () => {
    const ctx = await owner();
    useSimulated();
    const { sessionId } = await startTopUp(t.db, ctx, { amountMicros: 5_000_000n });
    useSimulated("production");
    expect(paymentsMode()).toBe("disabled");
    await expect(startTopUp(t.db, ctx, { amountMicros: 5_000_000n })).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(completeSimulatedPayment(t.db, ctx, sessionId)).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect((await getCredits(t.db, ctx.accountId)).balanceMicros).toBe(0n);
    useSimulated("production", "true");
    expect(paymentsMode()).toBe("simulated");
    await expect(completeSimulatedPayment(t.db, ctx, sessionId)).resolves.toMatchObject({ status: "fulfilled" });
  });
});

describe("lots and low-balance threshold", () => {
  it("lists live lots in consumption order, then used/expired ones", async () => {
    const ctx = await owner();
    const now = new Date();
    await creditAccount(t.db, { accountId: ctx.accountId, kind: "promo", amountMicros: 1_000_000n, expiresAt: new Date(now.getTime() + 10 * 86_400_000), actor: { kind: "system" } });
    await creditAccount(t.db, { accountId: ctx.accountId, kind: "grant", amountMicros: 2_000_000n, expiresAt: new Date(now.getTime() + 5 * 86_400_000), actor: { kind: "system" } });
    const lots = await listLots(t.db, ctx.accountId);
    expect(lots.map((l) => l.kind)).toEqual(["grant", "promo"]);
    expect(lots.every((l) => l.status === "active")).toBe(true);
    // Read view as of a moment after both expiries: both show as expired.
    const later = await listLots(t.db, ctx.accountId, new Date(now.getTime() + 11 * 86_400_000));
    expect(later.map((l) => l.status)).toEqual(["expired", "expired"]);
  });

  it("sets and clears the threshold with an audit row; validates; role-checked", async () => {
    const ctx = await owner();
    const member = await makeUser(t.db, { accountId: ctx.accountId, role: "member" });
    expect(await setLowBalanceThreshold(t.db, ctx, 5_000_000n)).toEqual({ thresholdMicros: 5_000_000n });
    expect(await setLowBalanceThreshold(t.db, ctx, null)).toEqual({ thresholdMicros: null });
    await expect(setLowBalanceThreshold(t.db, ctx, -1n)).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    await expect(setLowBalanceThreshold(t.db, ctx, "1.5")).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    await expect(setLowBalanceThreshold(t.db, { accountId: ctx.accountId, userId: member.userId }, 1n)).rejects.toMatchObject({ code: "FORBIDDEN" });
    const audits = await rows<{ data: { toMicros: string | null } }>(
      t.db,
      sql`SELECT data FROM audit_log WHERE action = 'billing.low_balance_threshold_set' AND account_id = ${ctx.accountId} ORDER BY created_at`,
    );
    expect(audits.map((a) => a.data.toMicros)).toEqual(["5000000", null]);
  });
});
