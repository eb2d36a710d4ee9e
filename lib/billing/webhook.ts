// Stripe webhook processing. The route hands over the RAW body: the signature covers the exact
// bytes, so the body must not be parsed and re-serialised before verification.
//
// Statuses: 400 for anything that will never succeed (bad/stale signature, malformed payload) —
// nothing is written; 200 for handled, duplicate and ignored events; 5xx for transient failures
// so Stripe retries. The processed_webhook_events table only short-circuits replays; exactly-once
// crediting is guaranteed by the ledger's unique keys (session id, refund id).
import { eq } from "drizzle-orm";
import { processedWebhookEvents } from "@/db/schema";
import type { Db } from "@/lib/db";
import { env } from "@/lib/env";
import { isAppError } from "@/lib/errors";
import { fulfilCheckoutSession, isTollgateSession, markCheckoutSessionExpired } from "./checkout";
import { applyChargeDispute } from "./chargebacks";
import { applyChargeRefunds } from "./refunds";
import { Stripe } from "./stripe";
import { errFields, log } from "@/lib/log";

export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
}

/** Stripe's default: signatures older than 5 minutes are replays. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

/**
 * The request body with a running size cap: a chunked body (no Content-Length) is counted as it
 * arrives, and the read stops — the stream cancelled — the moment it passes `max`, so an
 * oversized body is never buffered whole. null = too large.
 */
export async function readBodyCapped(body: ReadableStream<Uint8Array> | null, max = MAX_WEBHOOK_BYTES): Promise<Uint8Array | null> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max) {
        await reader.cancel("payload too large").catch(() => undefined);
        return null;
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

const HANDLED = new Set([
  "checkout.session.completed",
  "checkout.session.async_payment_succeeded",
  "checkout.session.async_payment_failed",
  "checkout.session.expired",
  "charge.refunded",
  "charge.dispute.created",
  "charge.dispute.closed",
]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function wellFormed(event: unknown): event is Stripe.Event {
  if (!isRecord(event) || typeof event.id !== "string" || typeof event.type !== "string") return false;
  if (!isRecord(event.data) || !isRecord(event.data.object)) return false;
  return true;
}

function sessionShaped(o: Record<string, unknown>): boolean {
  return typeof o.id === "string" && o.object === "checkout.session";
}

async function dispatch(db: Db, event: Stripe.Event): Promise<Record<string, unknown>> {
  const object = event.data.object as unknown as Record<string, unknown>;
  switch (event.type) {
    case "checkout.session.completed":
    case "checkout.session.async_payment_succeeded": {
      if (!sessionShaped(object)) return { malformed: true };
      const session = object as unknown as Stripe.Checkout.Session;
      if (!isTollgateSession(session)) return { ignored: "not a Tollgate top-up" };
      // completed with payment_status 'unpaid' = a delayed payment method; async_payment_succeeded
      // comes later. Fulfilment re-reads the session from Stripe either way.
      if (event.type === "checkout.session.completed" && session.payment_status !== "paid") return { ignored: "payment not yet received" };
      const result = await fulfilCheckoutSession(db, session.id);
      return { fulfilment: result.status, amount_micros: result.amountMicros.toString() };
    }
    case "checkout.session.async_payment_failed":
      return { ignored: "payment failed; nothing to credit" };
    case "checkout.session.expired": {
      if (!sessionShaped(object)) return { malformed: true };
      await markCheckoutSessionExpired(db, String(object.id));
      return { expired: true };
    }
    case "charge.refunded": {
      if (object.object !== "charge" || typeof object.id !== "string") return { malformed: true };
      const outcome = await applyChargeRefunds(db, object as unknown as Stripe.Charge);
      return {
        ...(outcome.ignored ? { ignored: outcome.ignored } : {}),
        refunds: outcome.refunds.map((r) => ({ id: r.refundId, created: r.created, amount_micros: r.amountMicros.toString(), unrecovered_micros: r.unrecoveredMicros.toString() })),
      };
    }
    case "charge.dispute.created":
    case "charge.dispute.closed": {
      const outcome = await applyChargeDispute(db, event.type, object);
      if (outcome.malformed) return { malformed: true };
      if (outcome.ignored) return { ignored: outcome.ignored };
      const st = outcome.state!;
      return { chargeback: st.status, changed: st.changed, frozen_micros: st.frozenMicros.toString(), lost_micros: st.lostMicros.toString() };
    }
    default:
      return { ignored: "event type not handled" };
  }
}

export async function handleStripeWebhook(db: Db, rawBody: string | Uint8Array, signature: string | null): Promise<WebhookResponse> {
  const secret = env().STRIPE_WEBHOOK_SECRET;
  // Misconfiguration, not the sender's fault: 503 makes Stripe retry once it is fixed.
  if (!secret) return { status: 503, body: { error: "webhooks are not configured" } };
  if (!signature) return { status: 400, body: { error: "missing Stripe-Signature header" } };
  if ((typeof rawBody === "string" ? Buffer.byteLength(rawBody, "utf8") : rawBody.byteLength) > MAX_WEBHOOK_BYTES) return { status: 413, body: { error: "payload too large" } };

  let event: unknown;
  try {
    event = Stripe.webhooks.constructEvent(rawBody, signature, secret, WEBHOOK_TOLERANCE_SECONDS);
  } catch (e) {
    if (e instanceof Stripe.errors.StripeSignatureVerificationError) return { status: 400, body: { error: "signature verification failed" } };
    return { status: 400, body: { error: "malformed payload" } }; // signed but not JSON
  }
  if (!wellFormed(event)) return { status: 400, body: { error: "malformed event" } };
  if (!HANDLED.has(event.type)) return { status: 200, body: { received: true, ignored: "event type not handled" } };

  try {
    const [seen] = await db
      .select({ id: processedWebhookEvents.eventId })
      .from(processedWebhookEvents)
      .where(eq(processedWebhookEvents.eventId, event.id))
      .limit(1);
    if (seen) return { status: 200, body: { received: true, duplicate: true } };

    const result = await dispatch(db, event);
    if (result.malformed) return { status: 400, body: { error: "malformed event object" } };
    await db.insert(processedWebhookEvents).values({ eventId: event.id, type: event.type }).onConflictDoNothing();
    return { status: 200, body: { received: true, ...result } };
  } catch (e) {
    // A definite "no" from our side (unknown session, account mismatch) still gets a non-2xx so
    // it shows up in Stripe's dashboard; anything else is presumed transient → 5xx → retry.
    if (isAppError(e) && e.status < 500) return { status: 422, body: { error: e.message, code: e.code } };
    log("billing").error({ eventId: event.id, eventType: event.type, ...errFields(e) }, "stripe webhook failed");
    return { status: 503, body: { error: "temporary failure, retry later" } };
  }
}
