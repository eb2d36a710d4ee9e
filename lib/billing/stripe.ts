// The Stripe client. STRIPE_API_HOST/PORT/PROTOCOL point the SDK at a stand-in (tests, offline
// demos); in production they are unset and the SDK talks to api.stripe.com.
import Stripe from "stripe";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";

let cached: { fingerprint: string; client: Stripe } | undefined;

export function stripeClient(): Stripe {
  const e = env();
  const key = e.STRIPE_SECRET_KEY;
  if (!key) throw new AppError("CONFLICT", "Stripe is not configured on this server");
  const fingerprint = [key, e.STRIPE_API_HOST, e.STRIPE_API_PORT, e.STRIPE_API_PROTOCOL].join("|");
  if (cached?.fingerprint !== fingerprint) {
    const client = new Stripe(key, {
      host: e.STRIPE_API_HOST,
      port: e.STRIPE_API_PORT,
      protocol: e.STRIPE_API_PROTOCOL,
      // The SDK retries idempotently (it sends an Idempotency-Key on POST retries); webhooks and
      // the success page still re-drive fulfilment if every retry fails.
      maxNetworkRetries: 2,
      timeout: 20_000,
      telemetry: false,
      appInfo: { name: "Tollgate" },
    });
    cached = { fingerprint, client };
  }
  return cached.client;
}

/** Stripe amounts are integer cents; ledger amounts are micro-USD. */
export const MICROS_PER_CENT = BigInt(10_000);
export function centsToMicros(cents: number): bigint {
  if (!Number.isSafeInteger(cents) || cents < 0) throw new RangeError(`bad Stripe amount: ${cents}`);
  return BigInt(cents) * MICROS_PER_CENT;
}

/** True for errors worth a retry (network trouble, Stripe 5xx/429); false for a definite answer. */
export function isTransientStripeError(e: unknown): boolean {
  if (!(e instanceof Stripe.errors.StripeError)) return false;
  if (e instanceof Stripe.errors.StripeConnectionError || e instanceof Stripe.errors.StripeAPIError) return true;
  if (e instanceof Stripe.errors.StripeRateLimitError) return true;
  return typeof e.statusCode === "number" && e.statusCode >= 500;
}

export { Stripe };
