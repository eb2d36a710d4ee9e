// Console form inputs for API keys (people type USD and dates; lib/keys takes micros and Dates).
import { z } from "zod";
import { KEY_TIERS } from "@/lib/keys/schemas";
import { usdToMicros } from "@/lib/money";
import { parseDay, DAY_MS } from "./filters";

const MAX_USD_MICROS = BigInt(1_000_000) * BigInt(1_000_000);

/** Optional USD amount: empty → null (no limit). */
const optionalUsd = z.preprocess(
  (v) => (v === undefined || v === null || (typeof v === "string" && v.trim() === "") ? null : v),
  z
    .string()
    .trim()
    .regex(/^\d{1,9}(\.\d{1,6})?$/, "Enter an amount in USD, like 5 or 2.50")
    .transform((v) => usdToMicros(v))
    .refine((v) => v > BigInt(0), "Must be more than $0 (leave empty for no limit)")
    .refine((v) => v <= MAX_USD_MICROS, "That amount is too large")
    .nullable(),
);

const tier = z.enum(KEY_TIERS, { error: "Choose a tier" });
const keyName = z.string({ error: "Give the key a name" }).trim().min(1, "Give the key a name").max(100, "At most 100 characters");
const keyId = z.string({ error: "Missing key" }).regex(/^key_[0-9A-Za-z]{1,64}$/, "Not a key id");

export const createKeyFormSchema = z.object({
  name: keyName,
  tier: tier.default("standard"),
  /** A UTC calendar day; the key works until the end of that day. */
  expiresOn: z
    .preprocess(
      (v) => (v === "" || v === undefined ? null : v),
      z
        .string()
        .nullable()
        .transform((v, ctx) => {
          if (v === null) return null;
          const day = parseDay(v);
          if (!day) {
            ctx.addIssue({ code: "custom", message: "Enter a date as YYYY-MM-DD" });
            return z.NEVER;
          }
          return new Date(day.getTime() + DAY_MS);
        }),
    )
    .refine((d) => d === null || d.getTime() > Date.now(), "The expiry date must be today or later"),
  dailySpendCapUsd: optionalUsd,
  creditLimitUsd: optionalUsd,
});

export const updateKeyFormSchema = z.object({
  keyId,
  name: keyName,
  tier,
  dailySpendCapUsd: optionalUsd,
  creditLimitUsd: optionalUsd,
});

export const GRACE_HOURS = [0, 1, 24, 72, 168] as const;
export const rotateKeyFormSchema = z.object({
  keyId,
  graceHours: z.coerce.number().refine((n) => (GRACE_HOURS as readonly number[]).includes(n), "Choose a grace period").default(24),
});

export const keyIdFormSchema = z.object({ keyId });
