// Console form inputs for billing (people type USD; lib/billing takes micros).
import { z } from "zod";
import { usdToMicros } from "@/lib/money";

export const topUpFormSchema = z.object({
  amountUsd: z
    .string({ error: "Enter an amount" })
    .trim()
    .regex(/^\d{1,4}(\.\d{1,2})?$/, "Enter a whole-cent amount between $5 and $1,000, like 20 or 12.50")
    .transform((v) => usdToMicros(v))
    .refine((v) => v >= BigInt(5_000_000) && v <= BigInt(1_000_000_000), "Top-ups must be between $5 and $1,000"),
  idempotencyKey: z.string().regex(/^[A-Za-z0-9_:-]{8,200}$/).optional(),
});

export const lowBalanceFormSchema = z.object({
  thresholdUsd: z.preprocess(
    (v) => (v === undefined || v === null || (typeof v === "string" && v.trim() === "") ? null : v),
    z
      .string()
      .trim()
      .regex(/^\d{1,7}(\.\d{1,2})?$/, "Enter an amount like 10 or 2.50 (empty turns the alert off)")
      .transform((v) => usdToMicros(v))
      .nullable(),
  ),
});

export const checkoutSessionFormSchema = z.object({
  sessionId: z.string({ error: "Missing checkout session" }).regex(/^(cs_|sim_cs_)[A-Za-z0-9_]{1,250}$/, "Not a checkout session id"),
});
