// Card chargebacks through the Stripe webhook route (signed with the SDK's test header helper),
// top-ups fulfilled through the Stripe stand-in: freeze on created, restore when won, charge
// back (balance may go negative, calls refused) when lost — once, whatever the order or replays.
import { sql } from "drizzle-orm";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST } from "@/app/api/stripe/webhook/route";
import { rows } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { newId } from "@/lib/ids";
import { getCredits, placeHold, settle, verifyLedger } from "@/lib/ledger";
import { createTestDb, type TestDb } from "../helpers/db";
import { makeAccount, WEBHOOK_SECRET } from "./helpers/fixtures";
import { startStripeStandIn, stripeEvent, type StripeStandIn } from "./helpers/stripe-standin";

let t: TestDb;
let stripe: StripeStandIn;

beforeAll(async () => {
  stripe = await startStripeStandIn();
  Object.assign(process.env, {
    STRIPE_SECRET_KEY: "sk_test_chargebacks",
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_HOST: "127.0.0.1",
    STRIPE_API_PORT: String(stripe.port),
    STRIPE_API_PROTOCOL: "http",
  });
  resetEnvCache();
  t = await createTestDb();
});
afterAll(async () => {
  await stripe?.close();
  await t?.dispose();
});

async function deliver(event: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const payload = JSON.stringify(event);
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
  const res = await POST(new Request("http://localhost/api/stripe/webhook", { method: "POST", headers: { "content-type": "application/json", "stripe-signature": signature }, body: payload }));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** A paid $amount top-up, fulfilled through the webhook; returns its payment intent. */
async function topUp(accountId: string, amountCents: number): Promise<string> {
  const session = stripe.createSession({ accountId, amountCents });
  const r = await deliver(stripeEvent("checkout.session.completed", session));
  expect(r).toMatchObject({ status: 200, body: { fulfilment: "fulfilled" } });
  return String(session.payment_intent);
}

async function spend(accountId: string, micros: bigint): Promise<void> {
  const h = await placeHold(t.db, { accountId, requestId: newId("request"), minMicros: micros, maxMicros: micros });
  if (!h.ok) throw new Error(`hold refused: ${h.code}`);
  await settle(t.db, { holdId: h.holdId, chargeMicros: micros });
}

const dispute = (p: { id: string; pi: string; cents: number; status: string }) => ({ id: p.id, object: "dispute", amount: p.cents, currency: "usd", charge: `ch_${p.id}`, payment_intent: p.pi, reason: "fraudulent", status: p.status });
const created = (d: Parameters<typeof dispute>[0]) => stripeEvent("charge.dispute.created", dispute({ ...d, status: "needs_response" }));
const closed = (d: Parameters<typeof dispute>[0]) => stripeEvent("charge.dispute.closed", dispute(d));

async function balance(accountId: string) {
  return (await getCredits(t.db, accountId)).balanceMicros;
}
async function entryTypes(accountId: string) {
  return (await rows<{ type: string; amount_micros: string }>(t.db, sql`SELECT type, amount_micros::text FROM ledger_entries WHERE account_id = ${accountId} ORDER BY seq`)).map((e) => `${e.type} ${e.amount_micros}`);
}
async function expectBooksOk(accountId: string) {
  expect((await verifyLedger(t.db, accountId)).violations).toEqual([]);
}
const canCall = async (accountId: string) => (await placeHold(t.db, { accountId, requestId: newId("request"), minMicros: 1n, maxMicros: 1n })).ok;

describe("charge.dispute.*", () => {
  it("created freezes the unspent credit and notifies staff; lost charges back the spent part (balance negative, calls refused) until a top-up", async () => {
    const accountId = await makeAccount(t.db);
    const pi = await topUp(accountId, 2_000);
    await spend(accountId, 5_000_000n);
    const dp = { id: `dp_${newId("request")}`, pi, cents: 2_000, status: "lost" };

    const c = await deliver(created(dp));
    expect(c).toMatchObject({ status: 200, body: { chargeback: "open", changed: true, frozen_micros: "15000000" } });
    expect(await balance(accountId)).toBe(0n);
    expect(await canCall(accountId)).toBe(false);
    const [staff] = await rows<{ kind: string; title: string }>(t.db, sql`SELECT kind, title FROM staff_notifications WHERE account_id = ${accountId}`);
    expect(staff).toMatchObject({ kind: "chargeback_opened", title: expect.stringContaining("$20.00") });
    expect((await rows(t.db, sql`SELECT 1 FROM notifications WHERE account_id = ${accountId} AND kind = 'chargeback'`)).length).toBe(1);
    await expectBooksOk(accountId);

    // A replay of the same event, and a second delivery with another event id, change nothing.
    expect(await deliver(created(dp))).toMatchObject({ status: 200 });
    expect((await deliver(created(dp))).body).toMatchObject({ changed: false });

    const l = await deliver(closed(dp));
    expect(l).toMatchObject({ status: 200, body: { chargeback: "lost", changed: true, lost_micros: "5000000" } });
    expect(await balance(accountId)).toBe(-5_000_000n);
    expect(await canCall(accountId)).toBe(false);
    expect((await deliver(closed(dp))).body).toMatchObject({ changed: false });
    expect(await entryTypes(accountId)).toEqual(["topup 20000000", "charge -5000000", "chargeback_freeze -15000000", "chargeback -5000000"]);
    await expectBooksOk(accountId);

    // A new top-up pays the debt first; calls work again.
    await topUp(accountId, 1_000);
    expect(await balance(accountId)).toBe(5_000_000n);
    expect(await canCall(accountId)).toBe(true);
    await expectBooksOk(accountId);
    expect((await rows(t.db, sql`SELECT 1 FROM staff_notifications WHERE account_id = ${accountId}`)).length).toBe(2);
  });

  it("won restores the frozen credit as a new lot; warning_closed counts as won", async () => {
    for (const status of ["won", "warning_closed"]) {
      const accountId = await makeAccount(t.db);
      const pi = await topUp(accountId, 1_000);
      await spend(accountId, 2_500_000n);
      const dp = { id: `dp_${newId("request")}`, pi, cents: 1_000, status };
      await deliver(created(dp));
      expect(await balance(accountId)).toBe(0n);
      expect((await deliver(closed(dp))).body).toMatchObject({ chargeback: "won", changed: true });
      expect(await balance(accountId)).toBe(7_500_000n);
      expect(await canCall(accountId)).toBe(true);
      expect(await entryTypes(accountId)).toEqual(["topup 10000000", "charge -2500000", "chargeback_freeze -7500000", "chargeback_release 7500000"]);
      await expectBooksOk(accountId);
    }
  });

  it("closed before created (reordering) ends in the same books; the late created is a no-op", async () => {
    const inOrder = await makeAccount(t.db);
    const reordered = await makeAccount(t.db);
    for (const [accountId, order] of [[inOrder, "in"], [reordered, "re"]] as const) {
      const pi = await topUp(accountId, 3_000);
      await spend(accountId, 12_000_000n);
      const dp = { id: `dp_${newId("request")}`, pi, cents: 3_000, status: "lost" };
      const events = order === "in" ? [created(dp), closed(dp)] : [closed(dp), created(dp)];
      for (const e of events) expect((await deliver(e)).status).toBe(200);
      expect(await balance(accountId)).toBe(-12_000_000n);
      await expectBooksOk(accountId);
    }
    expect(await entryTypes(reordered)).toEqual(await entryTypes(inOrder));
  });

  it("20 concurrent deliveries (distinct event ids) of created and closed freeze and charge back once", async () => {
    const accountId = await makeAccount(t.db);
    const pi = await topUp(accountId, 5_000);
    await spend(accountId, 10_000_000n);
    const dp = { id: `dp_${newId("request")}`, pi, cents: 5_000, status: "lost" };
    const all = await Promise.all([...Array.from({ length: 10 }, () => deliver(created(dp))), ...Array.from({ length: 10 }, () => deliver(closed(dp)))]);
    expect(all.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(all.filter((r) => r.body.changed === true)).toHaveLength(2);
    expect(await balance(accountId)).toBe(-10_000_000n);
    expect(await entryTypes(accountId)).toEqual(["topup 50000000", "charge -10000000", "chargeback_freeze -40000000", "chargeback -10000000"]);
    await expectBooksOk(accountId);
  });

  it("ignores disputes of payments that bought no credit; rejects malformed dispute objects with 400", async () => {
    const r = await deliver(created({ id: "dp_unknown_payment", pi: "pi_not_ours", cents: 500, status: "needs_response" }));
    expect(r).toMatchObject({ status: 200, body: { ignored: "payment bought no Tollgate credit" } });
    const bad = await deliver(stripeEvent("charge.dispute.created", { id: "dp_bad", object: "dispute", amount: -5, payment_intent: "pi_x" }));
    expect(bad.status).toBe(400);
    const odd = await deliver(stripeEvent("charge.dispute.closed", dispute({ id: "dp_odd", pi: "pi_x", cents: 100, status: "under_review" })));
    expect(odd).toMatchObject({ status: 200, body: { ignored: expect.stringContaining("under_review") } });
  });
});
