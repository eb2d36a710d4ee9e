// Receipts for paid top-ups: a top-up fulfilled through the Stripe webhook (stand-in), its receipt
// as the console reads it, the ledger CSV's link to it, and who may see it.
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { POST } from "@/app/api/stripe/webhook/route";
import { getReceipt, receiptNumber } from "@/lib/billing/receipts";
import { rows } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { creditAccount, placeHold, settle } from "@/lib/ledger";
import { ledgerCsvChunks } from "@/lib/ledger/export";
import { createTestDb, type TestDb } from "../helpers/db";
import { makeAccount, makeUser, WEBHOOK_SECRET } from "./helpers/fixtures";
import { startStripeStandIn, stripeEvent, type StripeStandIn } from "./helpers/stripe-standin";

let t: TestDb;
let stripe: StripeStandIn;
beforeAll(async () => {
  stripe = await startStripeStandIn();
  Object.assign(process.env, { STRIPE_SECRET_KEY: "sk_test_receipts", STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_API_HOST: "127.0.0.1", STRIPE_API_PORT: String(stripe.port), STRIPE_API_PROTOCOL: "http", APP_URL: "https://tollgate.example.com" });
  resetEnvCache();
  t = await createTestDb();
});
afterAll(async () => {
  await stripe?.close();
  await t?.dispose();
});

async function paidTopUp(accountId: string, cents: number) {
  const session = stripe.createSession({ accountId, amountCents: cents });
  const payload = JSON.stringify(stripeEvent("checkout.session.completed", session));
  const res = await POST(new Request("http://localhost/api/stripe/webhook", { method: "POST", headers: { "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }) }, body: payload }));
  expect(res.status).toBe(200);
  const [e] = await rows<{ id: string; seq: string }>(t.db, sql`SELECT id, seq::text FROM ledger_entries WHERE type = 'topup' AND stripe_reference = ${session.id}`);
  return { entryId: e.id, seq: e.seq, session };
}

async function csvText(accountId: string): Promise<string> {
  let out = "";
  for await (const chunk of ledgerCsvChunks(t.db, { accountId })) out += chunk;
  return out;
}

describe("receipts", () => {
  it("each paid top-up has a receipt: number, date, amount, payment reference, account", async () => {
    const accountId = await makeAccount(t.db, "Receipt Co");
    const { userId } = await makeUser(t.db, { accountId, role: "finance" });
    const { entryId, seq, session } = await paidTopUp(accountId, 4_250);
    const r = await getReceipt(t.db, { userId, accountId }, entryId);
    expect(r).toMatchObject({
      number: receiptNumber(seq),
      entryId,
      amountMicros: 42_500_000n,
      currency: "USD",
      paymentReference: session.id,
      paymentIntentId: session.payment_intent,
      simulated: false,
      account: { id: accountId, name: "Receipt Co" },
    });
    expect(r.number).toMatch(/^TG-\d{8,}$/);
    expect(Math.abs(r.issuedAt.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it("the ledger CSV links each top-up (and only top-ups) to its receipt", async () => {
    const accountId = await makeAccount(t.db);
    const { entryId } = await paidTopUp(accountId, 1_000);
    await creditAccount(t.db, { accountId, kind: "grant", amountMicros: 1_000_000n, actor: { kind: "system" } });
    const h = await placeHold(t.db, { accountId, requestId: newId("request"), minMicros: 1_000n, maxMicros: 1_000n });
    if (h.ok) await settle(t.db, { holdId: h.holdId, chargeMicros: 500n });
    const lines = (await csvText(accountId)).trim().split("\r\n");
    expect(lines[0].split(",").at(-1)).toBe("receipt_url");
    const byType = new Map(lines.slice(1).map((l) => [l.split(",")[4], l.split(",").at(-1)]));
    expect(byType.get("topup")).toBe(`https://tollgate.example.com/receipts/${entryId}`);
    expect(byType.get("grant")).toBe("");
    expect(byType.get("charge")).toBe("");
  });

  it("no receipt for other accounts, members without ledger access, non-top-up entries or malformed ids", async () => {
    const a = await makeAccount(t.db);
    const b = await makeAccount(t.db);
    const { entryId } = await paidTopUp(a, 500);
    const ownerB = await makeUser(t.db, { accountId: b, role: "owner" });
    const memberA = await makeUser(t.db, { accountId: a, role: "member" });
    const ownerA = await makeUser(t.db, { accountId: a, role: "owner" });
    const code = (p: Promise<unknown>) => p.then(() => "ok", (e: unknown) => (e instanceof AppError ? e.code : String(e)));
    expect(await code(getReceipt(t.db, { userId: ownerB.userId, accountId: b }, entryId))).toBe("NOT_FOUND");
    expect(await code(getReceipt(t.db, { userId: ownerB.userId, accountId: a }, entryId))).toBe("FORBIDDEN");
    expect(await code(getReceipt(t.db, { userId: memberA.userId, accountId: a }, entryId))).toBe("FORBIDDEN");
    await creditAccount(t.db, { accountId: a, kind: "grant", amountMicros: 1n, actor: { kind: "system" } });
    const [grant] = await rows<{ id: string }>(t.db, sql`SELECT id FROM ledger_entries WHERE account_id = ${a} AND type = 'grant'`);
    expect(await code(getReceipt(t.db, { userId: ownerA.userId, accountId: a }, grant.id))).toBe("NOT_FOUND");
    expect(await code(getReceipt(t.db, { userId: ownerA.userId, accountId: a }, "le_x' OR 1=1 --"))).toBe("NOT_FOUND");
    expect(await code(getReceipt(t.db, { userId: ownerA.userId, accountId: a }, entryId))).toBe("ok");
  });
});
