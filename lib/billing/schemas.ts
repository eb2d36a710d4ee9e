// Inputs of the billing domain. Amounts are bigint micro-USD; top-ups are whole cents because
// Stripe charges cents.
import { z } from "zod";

const USD = BigInt(1_000_000);
export const TOPUP_MIN_MICROS = BigInt(5) * USD;
export const TOPUP_MAX_MICROS = BigInt(1_000) * USD;
export const TOPUP_PRESETS_MICROS: readonly bigint[] = [5, 10, 25, 50, 100, 250, 500, 1_000].map((usd) => BigInt(usd) * USD);
const MICROS_PER_CENT = BigInt(10_000);

/** Accepts bigint, an integer number or a decimal-integer string (forms post strings). */
export const microsSchema = z.union([
  z.bigint(),
  z.number().int().refine(Number.isSafeInteger, "amount is too large").transform((n) => BigInt(n)),
  z.string().regex(/^-?\d{1,18}$/, "amount must be an integer number of micro-USD").transform((s) => BigInt(s)),
]);

export const topUpInputSchema = z.object({
  amountMicros: microsSchema
    .refine((v) => v >= TOPUP_MIN_MICROS && v <= TOPUP_MAX_MICROS, "top-ups must be between $5 and $1,000")
    .refine((v) => v % MICROS_PER_CENT === BigInt(0), "top-ups must be a whole number of cents"),
  /** Caller-chosen key (e.g. a form nonce) so a double-submitted form yields one Checkout Session. */
  idempotencyKey: z.string().regex(/^[A-Za-z0-9_:-]{8,200}$/).optional(),
});
export type TopUpInput = z.input<typeof topUpInputSchema>;

export const lowBalanceThresholdSchema = z.union([
  z.null(),
  microsSchema.refine((v) => v >= BigInt(0) && v <= BigInt(1_000_000) * USD, "threshold must be between $0 and $1,000,000"),
]);

export const checkoutSessionIdSchema = z.string().regex(/^(cs_|sim_cs_)[A-Za-z0-9_]{1,250}$/, "not a checkout session id");
