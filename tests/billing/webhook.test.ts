// Stripe webhooks over real HTTP against the production build, with the real Stripe SDK talking to
// a local stand-in of the Stripe API. Money must be credited exactly once whatever Stripe does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import Stripe from "stripe";
import { rows } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { getCredits, placeHold, settle, verifyLedger } from "@/lib/ledger";
import { createTestDb, type TestDb } from "../helpers/db";
import { startApp, type TestApp } from "../helpers/app";
import { AUTH_SECRET, WEBHOOK_SECRET, makeAccount, postWebhook } from "./helpers/fixtures";
import { chargeObject, startStripeStandIn, stripeEvent, type StripeStandIn } from "./helpers/stripe-standin";

let t: TestDb;
let app: TestApp;
let stripe: StripeStandIn;

beforeAll(async () => {
  stripe = await startStripeStandIn();
  Object.assign(process.env, {
    STRIPE_SECRET_KEY: "sk_test_billing_webhooks",
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_HOST: "127.0.0.1",
    STRIPE_API_PORT: String(stripe.port),
    STRIPE_API_PROTOCOL: "http",
    AUTH_SECRET,
    APP_URL: "http://localhost:3000",
    TOLLGATE_JOBS: "on", // exercise instrumentation.ts: the app starts the job scheduler
  });
  resetEnvCache();
  t = await createTestDb();
  app = await startApp();
});
afterAll(async () => {
  (globalThis as { __tollgateScheduler?: { stop(): void } }).__tollgateScheduler?.stop();
  await app?.close();
  await stripe?.close();
  await t?.dispose();
});

async function counts(sessionId?: string) {
  const [r] = await rows<{ lots: string; topups: string; entries: string; events: string }>(
    t.db,
    sql`SELECT (SELECT count(*) FROM credit_lots WHERE ${sessionId ?? null}::text IS NULL OR stripe_session_id = ${sessionId ?? null}::text)::text AS lots,
               (SELECT count(*) FROM ledger_entries WHERE type = 'topup' AND (${sessionId ?? null}::text IS NULL OR stripe_reference = ${sessionId ?? null}::text))::text AS topups,
               (SELECT count(*) FROM ledger_entries)::text AS entries,
               (SELECT count(*) FROM processed_webhook_events)::text AS events`,
  );
  return { lots: Number(r.lots), topups: Number(r.topups), entries: Number(r.entries), events: Number(r.events) };
}

async function expectLedgerOk(accountId?: string) {
  const v = await verifyLedger(t.db, accountId);
  expect(v.violations).toEqual([]);
  expect(v.ok).toBe(true);
}

it("the instrumentation hook started the background scheduler in this (Node.js) server", () => {
  const scheduler = (globalThis as { __tollgateScheduler?: { tick: unknown; stop: unknown } }).__tollgateScheduler;
  expect(typeof scheduler?.tick).toBe("function");
});

describe("checkout.session.completed", () => {
  it("credits amount_total exactly once when the same event arrives 20 times concurrently", async () => {
    const accountId = await makeAccount(t.db);
    const session = stripe.createSession({ accountId, amountCents: 2_500 });
    const payload = JSON.stringify(stripeEvent("checkout.session.completed", session));
    const results = await Promise.all(Array.from({ length: 20 }, () => postWebhook(app.url, payload)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(results.filter((r) => r.body.fulfilment === "fulfilled")).toHaveLength(1);
    const c = await counts(String(session.id));
    expect(c).toMatchObject({ lots: 1, topups: 1 });
    expect((await getCredits(t.db, accountId)).balanceMicros).toBe(25_000_000n);
    // The ledger entry carries the session id for finance; the lot the payment intent for refunds.
    const [lot] = await rows<{ stripe_payment_intent_id: string; kind: string }>(t.db, sql`SELECT stripe_payment_intent_id, kind FROM credit_lots WHERE stripe_session_id = ${session.id}`);
    expect(lot).toEqual({ stripe_payment_intent_id: session.payment_intent, kind: "paid" });
    // A later redelivery is recognised as a duplicate.
    const again = await postWebhook(app.url, payload);
    expect(again).toMatchObject({ status: 200, body: { duplicate: true } });
    await expectLedgerOk(accountId);
  });

  it("interleaves with async_payment_succeeded in both orders (and concurrently) → one lot, one topup", async () => {
    const accountId = await makeAccount(t.db);
    const a = stripe.createSession({ accountId, amountCents: 1_000 });
    const b = stripe.createSession({ accountId, amountCents: 5_000 });
    const c = stripe.createSession({ accountId, amountCents: 100_000 });
    // completed then async_payment_succeeded
    expect((await postWebhook(app.url, JSON.stringify(stripeEvent("checkout.session.completed", a)))).body.fulfilment).toBe("fulfilled");
    expect((await postWebhook(app.url, JSON.stringify(stripeEvent("checkout.session.async_payment_succeeded", a)))).body.fulfilment).toBe("already_fulfilled");
    // async_payment_succeeded then completed
    expect((await postWebhook(app.url, JSON.stringify(stripeEvent("checkout.session.async_payment_succeeded", b)))).body.fulfilment).toBe("fulfilled");
    expect((await postWebhook(app.url, JSON.stringify(stripeEvent("checkout.session.completed", b)))).body.fulfilment).toBe("already_fulfilled");
    // 10 + 10 distinct events racing (distinct ids: the processed-events table can't help here)
    const racing = Array.from({ length: 20 }, (_, i) =>
      JSON.stringify(stripeEvent(i % 2 ? "checkout.session.completed" : "checkout.session.async_payment_succeeded", c)),
    );
    const res = await Promise.all(racing.map((p) => postWebhook(app.url, p)));
    expect(res.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(res.filter((r) => r.body.fulfilment === "fulfilled")).toHaveLength(1);
    for (const s of [a, b, c]) expect(await counts(String(s.id))).toMatchObject({ lots: 1, topups: 1 });
    expect((await getCredits(t.db, accountId)).balanceMicros).toBe(1_060_000_000n);
    await expectLedgerOk(accountId);
  });

  it("waits for async payment: completed with payment_status unpaid credits nothing", async () => {
    const accountId = await makeAccount(t.db);
    const s = stripe.createSession({ accountId, amountCents: 700, paymentStatus: "unpaid" });
    const first = await postWebhook(app.url, JSON.stringify(stripeEvent("checkout.session.completed", s)));
    expect(first.status).toBe(200);
    expect(await counts(String(s.id))).toMatchObject({ lots: 0, topups: 0 });
    // A forged "succeeded" event body can't credit an unpaid session: fulfilment re-reads Stripe.
    const early = await postWebhook(app.url, JSON.stringify(stripeEvent("checkout.session.async_payment_succeeded", { ...s, payment_status: "paid" })));
    expect(early.body.fulfilment).toBe("not_paid");
    stripe.markPaid(String(s.id));
    const paid = await postWebhook(app.url, JSON.stringify(stripeEvent("checkout.session.async_payment_succeeded", stripe.sessions.get(String(s.id))!)));
    expect(paid).toMatchObject({ status: 200, body: { fulfilment: "fulfilled" } });
    expect((await getCredits(t.db, accountId)).balanceMicros).toBe(7_000_000n);
    await expectLedgerOk(accountId);
  });

  it("answers 5xx while Stripe is unreachable (so Stripe retries) and credits on redelivery", async () => {
    const accountId = await makeAccount(t.db);
    const s = stripe.createSession({ accountId, amountCents: 1_234 });
    const payload = JSON.stringify(stripeEvent("checkout.session.completed", s));
    stripe.failNext(3); // the SDK's first try + 2 retries
    const down = await postWebhook(app.url, payload);
    expect(down.status).toBeGreaterThanOrEqual(500);
    expect(await counts(String(s.id))).toMatchObject({ lots: 0, topups: 0 });
    const [ev] = await rows(t.db, sql`SELECT 1 FROM processed_webhook_events WHERE event_id = ${JSON.parse(payload).id}`);
    expect(ev).toBeUndefined(); // not marked processed, so the retry is handled for real
    const up = await postWebhook(app.url, payload);
    expect(up).toMatchObject({ status: 200, body: { fulfilment: "fulfilled" } });
    expect((await getCredits(t.db, accountId)).balanceMicros).toBe(12_340_000n);
    await expectLedgerOk(accountId);
  });

  it("ignores sessions that are not Tollgate top-ups", async () => {
    const foreign = { ...stripe.createSession({ accountId: "x", amountCents: 999 }), metadata: {}, client_reference_id: null };
    const before = await counts();
    const res = await postWebhook(app.url, JSON.stringify(stripeEvent("checkout.session.completed", foreign)));
    expect(res.status).toBe(200);
    expect(res.body.ignored).toBeTruthy();
    expect((await counts()).entries).toBe(before.entries);
  });
});

describe("rejected deliveries write nothing", () => {
  it("bad signature, wrong secret, missing header, stale timestamp → 400", async () => {
    const accountId = await makeAccount(t.db);
    const s = stripe.createSession({ accountId, amountCents: 5_000 });
    const payload = JSON.stringify(stripeEvent("checkout.session.completed", s));
    const before = await counts();
    const tampered = await postWebhook(app.url, payload.replace("5000", "500000"), { signature: Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }) });
    const wrongSecret = await postWebhook(app.url, payload, { secret: "whsec_not_ours" });
    const missing = await postWebhook(app.url, payload, { signature: null });
    const garbage = await postWebhook(app.url, payload, { signature: "t=abc,v1=def" });
    const stale = await postWebhook(app.url, payload, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    for (const r of [tampered, wrongSecret, missing, garbage, stale]) expect(r.status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it("unknown event types → 200 ignored; malformed payloads → 400; nothing written", async () => {
    const before = await counts();
    const unknown = await postWebhook(app.url, JSON.stringify(stripeEvent("customer.created", { id: "cus_1", object: "customer" })));
    expect(unknown).toMatchObject({ status: 200, body: { ignored: expect.any(String) } });
    const notJson = await postWebhook(app.url, "{not json");
    const noData = await postWebhook(app.url, JSON.stringify({ id: "evt_x", type: "checkout.session.completed" }));
    const wrongObject = await postWebhook(app.url, JSON.stringify(stripeEvent("checkout.session.completed", { id: 42, object: "charge" })));
    const array = await postWebhook(app.url, "[]");
    for (const r of [notJson, noData, wrongObject, array]) expect(r.status).toBe(400);
    expect(await counts()).toEqual(before);
  });

  it("rejects oversized bodies without reading them into the ledger", async () => {
    const before = await counts();
    const huge = JSON.stringify(stripeEvent("checkout.session.completed", { id: "cs_x", object: "checkout.session", pad: "x".repeat(2 * 1024 * 1024) }));
    const res = await postWebhook(app.url, huge);
    expect(res.status).toBe(413);
    expect(await counts()).toEqual(before);
  });
});

describe("charge.refunded", () => {
  async function paidTopUp(accountId: string, cents: number) {
    const s = stripe.createSession({ accountId, amountCents: cents });
    const r = await postWebhook(app.url, JSON.stringify(stripeEvent("checkout.session.completed", s)));
    expect(r.body.fulfilment).toBe("fulfilled");
    return { sessionId: String(s.id), paymentIntent: String(s.payment_intent) };
  }

  async function spend(accountId: string, micros: bigint) {
    const hold = await placeHold(t.db, { accountId, requestId: `req_spend_${Math.random().toString(36).slice(2, 12)}`, minMicros: micros, maxMicros: micros });
    if (!hold.ok) throw new Error(`hold failed: ${hold.code}`);
    await settle(t.db, { holdId: hold.holdId, chargeMicros: micros });
  }

  it("takes back an unspent refund in full, once per Stripe refund id", async () => {
    const accountId = await makeAccount(t.db);
    const { sessionId, paymentIntent } = await paidTopUp(accountId, 2_000);
    const charge = chargeObject({ paymentIntent, amountCents: 2_000, amountRefundedCents: 500 });
    const refund = stripe.addRefund(String(charge.id), { amountCents: 500, paymentIntent });
    const deliveries = await Promise.all(Array.from({ length: 8 }, () => postWebhook(app.url, JSON.stringify(stripeEvent("charge.refunded", charge)))));
    expect(deliveries.map((d) => d.status)).toEqual(Array(8).fill(200));
    const entries = await rows<{ amount_micros: string; lot_id: string }>(t.db, sql`SELECT amount_micros::text, lot_id FROM ledger_entries WHERE type = 'refund' AND stripe_reference = ${refund.id}`);
    expect(entries).toHaveLength(1);
    expect(entries[0].amount_micros).toBe("-5000000");
    const [lot] = await rows<{ id: string }>(t.db, sql`SELECT id FROM credit_lots WHERE stripe_session_id = ${sessionId}`);
    expect(entries[0].lot_id).toBe(lot.id);
    expect((await getCredits(t.db, accountId)).balanceMicros).toBe(15_000_000n);
    await expectLedgerOk(accountId);
  });

  it("after partial spend, refunds only what is left of that purchase's lot", async () => {
    const accountId = await makeAccount(t.db);
    const { paymentIntent } = await paidTopUp(accountId, 1_000); // $10
    await spend(accountId, 7_000_000n); // $7 used
    const charge = chargeObject({ paymentIntent, amountCents: 1_000, amountRefundedCents: 1_000 });
    stripe.addRefund(String(charge.id), { amountCents: 1_000, paymentIntent });
    const res = await postWebhook(app.url, JSON.stringify(stripeEvent("charge.refunded", charge)));
    expect(res.status).toBe(200);
    const refunds = res.body.refunds as { amount_micros: string; unrecovered_micros: string; created: boolean }[];
    expect(refunds).toEqual([expect.objectContaining({ created: true, amount_micros: "3000000", unrecovered_micros: "7000000" })]);
    const credits = await getCredits(t.db, accountId);
    expect(credits.balanceMicros).toBe(0n);
    // A second partial refund on the same charge adds one entry for the new refund id only.
    stripe.addRefund(String(charge.id), { amountCents: 1, paymentIntent });
    const again = await postWebhook(app.url, JSON.stringify(stripeEvent("charge.refunded", charge)));
    const list = again.body.refunds as { created: boolean }[];
    expect(list.map((r) => r.created)).toEqual([false, true]);
    const [{ n }] = await rows<{ n: string }>(t.db, sql`SELECT count(*)::text AS n FROM ledger_entries le JOIN credit_lots l ON l.id = le.lot_id WHERE le.type = 'refund' AND l.stripe_payment_intent_id = ${paymentIntent}`);
    expect(n).toBe("2");
    await expectLedgerOk(accountId);
  });

  it("a refund overtaking the completion event fulfils first, then refunds; failed refunds take nothing", async () => {
    const accountId = await makeAccount(t.db);
    const s = stripe.createSession({ accountId, amountCents: 3_000 });
    const paymentIntent = String(s.payment_intent);
    const charge = chargeObject({ paymentIntent, amountCents: 3_000, amountRefundedCents: 1_000 });
    stripe.addRefund(String(charge.id), { amountCents: 1_000, paymentIntent });
    stripe.addRefund(String(charge.id), { amountCents: 500, paymentIntent, status: "failed" });
    const res = await postWebhook(app.url, JSON.stringify(stripeEvent("charge.refunded", charge)));
    expect(res.status).toBe(200);
    const late = await postWebhook(app.url, JSON.stringify(stripeEvent("checkout.session.completed", s)));
    expect(late.body.fulfilment).toBe("already_fulfilled");
    expect((await getCredits(t.db, accountId)).balanceMicros).toBe(20_000_000n);
    expect(await counts(String(s.id))).toMatchObject({ lots: 1, topups: 1 });
    await expectLedgerOk(accountId);
  });

  it("ignores refunds of charges that were not Tollgate top-ups", async () => {
    const before = await counts();
    const charge = chargeObject({ paymentIntent: "pi_unrelated_123", amountCents: 100, amountRefundedCents: 100 });
    stripe.addRefund(String(charge.id), { amountCents: 100, paymentIntent: "pi_unrelated_123" });
    const res = await postWebhook(app.url, JSON.stringify(stripeEvent("charge.refunded", charge)));
    expect(res).toMatchObject({ status: 200, body: { ignored: expect.any(String) } });
    expect((await counts()).entries).toBe(before.entries);
    await expectLedgerOk();
  });
});
