// charge.refunded → one negative `refund` entry per Stripe refund id, drawn from the lot that
// purchase created. The ledger's unique key on the refund id makes every replay a no-op.
import { eq } from "drizzle-orm";
import { creditLots } from "@/db/schema";
import type { Db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { refundPurchase } from "@/lib/ledger";
import { fulfilCheckoutSession, isTollgateSession } from "./checkout";
import { Stripe, centsToMicros, isTransientStripeError, stripeClient } from "./stripe";

export interface RefundOutcome {
  ignored?: string;
  refunds: { refundId: string; created: boolean; amountMicros: bigint; unrecoveredMicros: bigint }[];
}

// A pending refund has already left Stripe's hands for the customer (it rarely fails); taking the
// credits back right away is the conservative choice. Failed/canceled refunds take nothing.
const COUNTED_REFUND_STATUSES = new Set(["succeeded", "pending"]);

async function wrapStripe<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isTransientStripeError(e)) throw new AppError("UPSTREAM_UNAVAILABLE", "The payment provider is unavailable", { cause: e });
    throw e;
  }
}

async function lotForPaymentIntent(db: Db, paymentIntentId: string) {
  const [lot] = await db
    .select({ id: creditLots.id, stripeSessionId: creditLots.stripeSessionId })
    .from(creditLots)
    .where(eq(creditLots.stripePaymentIntentId, paymentIntentId))
    .limit(1);
  return lot ?? null;
}

/** Every refund of the charge: from the event when complete, else listed from Stripe. */
async function refundsOf(charge: Stripe.Charge): Promise<Stripe.Refund[]> {
  const embedded = charge.refunds;
  if (embedded && !embedded.has_more && embedded.data.length > 0) return embedded.data;
  // Since API 2022-11-15 charges no longer embed refunds by default, so ask Stripe.
  const out: Stripe.Refund[] = [];
  await wrapStripe(() => stripeClient().refunds.list({ charge: charge.id, limit: 100 }).autoPagingEach((r) => void out.push(r)));
  return out;
}

export async function applyChargeRefunds(db: Db, charge: Stripe.Charge): Promise<RefundOutcome> {
  const paymentIntentId = typeof charge.payment_intent === "string" ? charge.payment_intent : (charge.payment_intent?.id ?? null);
  if (!paymentIntentId) return { ignored: "charge has no payment intent", refunds: [] };
  if (charge.currency && charge.currency.toLowerCase() !== "usd") return { ignored: "not a USD charge", refunds: [] };

  let lot = await lotForPaymentIntent(db, paymentIntentId);
  if (!lot) {
    // The refund event may overtake the completion event: fulfil first so the refund has a lot
    // to come out of (both steps are idempotent, so the later completion event is a no-op).
    const sessions = await wrapStripe(() => stripeClient().checkout.sessions.list({ payment_intent: paymentIntentId, limit: 1 }));
    const session = sessions.data[0];
    if (!session || !isTollgateSession(session)) return { ignored: "not a Tollgate top-up", refunds: [] };
    const fulfilled = await fulfilCheckoutSession(db, session.id);
    if (fulfilled.status === "not_paid") return { ignored: "purchase is not paid", refunds: [] };
    lot = await lotForPaymentIntent(db, paymentIntentId);
    if (!lot) throw new AppError("CONFLICT", "Purchase was fulfilled but its lot is missing");
  }

  const outcome: RefundOutcome = { refunds: [] };
  for (const refund of await refundsOf(charge)) {
    if (!COUNTED_REFUND_STATUSES.has(refund.status ?? "")) continue;
    if (refund.amount <= 0) continue;
    const result = await refundPurchase(db, {
      stripeRefundId: refund.id,
      stripePaymentIntentId: paymentIntentId,
      stripeSessionId: lot.stripeSessionId,
      amountMicros: centsToMicros(refund.amount),
    });
    outcome.refunds.push({ refundId: refund.id, created: result.created, amountMicros: result.amountMicros, unrecoveredMicros: result.unrecoveredMicros });
  }
  return outcome;
}
