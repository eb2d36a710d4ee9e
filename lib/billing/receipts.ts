// Receipts for paid top-ups: one per `topup` ledger entry, numbered from the entry's ledger
// sequence (unique and never reused).
import { sql } from "drizzle-orm";
import { authorize, type ActorCtx } from "@/lib/accounts/authorize";
import { rows, type DbOrTx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { SIMULATED_PREFIX } from "./checkout";
import { stripeClient } from "./stripe";
import { features } from "@/lib/env";

export interface Receipt {
  number: string;
  entryId: string;
  issuedAt: Date;
  amountMicros: bigint;
  currency: "USD";
  /** Stripe Checkout Session id (or the simulated payment's id). */
  paymentReference: string | null;
  paymentIntentId: string | null;
  simulated: boolean;
  account: { id: string; name: string };
  /** Stripe's own receipt page for the card charge, when Stripe has one. */
  stripeReceiptUrl: string | null;
}

export function receiptNumber(seq: bigint | string): string {
  return `TG-${String(seq).padStart(8, "0")}`;
}

const ENTRY_ID_RE = /^le_[0-9A-Za-z]{1,64}$/;

export async function getReceipt(db: DbOrTx, ctx: ActorCtx, entryId: string, opts: { fetchStripeLink?: boolean } = {}): Promise<Receipt> {
  await authorize(db, ctx, "ledger:read");
  if (!ENTRY_ID_RE.test(entryId)) throw new AppError("NOT_FOUND", "Receipt not found.");
  const [r] = await rows<{ seq: string; id: string; created_at: Date | string; amount_micros: string; stripe_reference: string | null; pi: string | null; receipt_url: string | null; account_id: string; name: string }>(
    db,
    sql`SELECT e.seq::text, e.id, e.created_at, e.amount_micros::text, e.stripe_reference, l.stripe_payment_intent_id AS pi, l.stripe_receipt_url AS receipt_url,
               a.id AS account_id, a.name
        FROM ledger_entries e JOIN accounts a ON a.id = e.account_id LEFT JOIN credit_lots l ON l.id = e.lot_id
        WHERE e.id = ${entryId} AND e.account_id = ${ctx.accountId} AND e.type = 'topup'`,
  );
  if (!r) throw new AppError("NOT_FOUND", "Receipt not found.");
  const simulated = Boolean(r.stripe_reference?.startsWith(SIMULATED_PREFIX));
  let stripeReceiptUrl = r.receipt_url;
  if (!stripeReceiptUrl && !simulated && r.pi && opts.fetchStripeLink && features.stripe()) stripeReceiptUrl = await stripeReceiptLink(r.pi);
  return {
    number: receiptNumber(r.seq),
    entryId: r.id,
    issuedAt: r.created_at instanceof Date ? r.created_at : new Date(r.created_at),
    amountMicros: BigInt(r.amount_micros),
    currency: "USD",
    paymentReference: r.stripe_reference,
    paymentIntentId: r.pi,
    simulated,
    account: { id: r.account_id, name: r.name },
    stripeReceiptUrl,
  };
}

/** Best effort: the receipt page still renders when Stripe is slow or down, just without the link. */
async function stripeReceiptLink(paymentIntentId: string): Promise<string | null> {
  try {
    const pi = await stripeClient().paymentIntents.retrieve(paymentIntentId, { expand: ["latest_charge"] }, { timeout: 3000, maxNetworkRetries: 0 });
    const charge = pi.latest_charge;
    const url = charge && typeof charge === "object" ? charge.receipt_url : null;
    return url && /^https:\/\//.test(url) ? url : null;
  } catch {
    return null;
  }
}
