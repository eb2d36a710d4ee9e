// Input schemas for API key management (console server actions, CLI and tests share them).
import { z } from "zod";

export const KEY_TIERS = ["standard", "enhanced", "professional", "enterprise"] as const;
export type KeyTier = (typeof KEY_TIERS)[number];

export const tierSchema = z.enum(KEY_TIERS);

/** Micro-USD amounts arrive as bigint, a safe integer or a digit string (forms); always > 0. */
export const positiveMicrosSchema = z
  .union([z.bigint(), z.number().int().max(Number.MAX_SAFE_INTEGER), z.string().trim().regex(/^\d{1,18}$/, "must be a whole number of micro-USD")])
  .transform((v) => BigInt(v))
  .refine((v) => v > BigInt(0), "must be greater than 0");

const nameSchema = z.string().trim().min(1, "name is required").max(100, "name is at most 100 characters");
export const customRpmSchema = z.number().int().min(1).max(1_000_000);
/** Staff-negotiated requests per UTC day and concurrent requests (override the tier). */
export const customRpdSchema = z.number().int().min(1).max(1_000_000_000);
export const customConcurrencySchema = z.number().int().min(1).max(10_000);

const futureDate = z.coerce.date().refine((d) => !Number.isNaN(d.getTime()) && d.getTime() > Date.now(), "must be in the future");

export const createKeySchema = z.object({
  name: nameSchema,
  tier: tierSchema.default("standard"),
  customRpm: customRpmSchema.nullish(),
  customRpd: customRpdSchema.nullish(),
  customConcurrency: customConcurrencySchema.nullish(),
  expiresAt: futureDate.nullish(),
  dailySpendCapMicros: positiveMicrosSchema.nullish(),
  creditLimitMicros: positiveMicrosSchema.nullish(),
});
export type CreateKeyInput = z.input<typeof createKeySchema>;

/** null clears an optional setting; undefined leaves it unchanged. */
export const updateKeySchema = z
  .object({
    name: nameSchema.optional(),
    tier: tierSchema.optional(),
    customRpm: customRpmSchema.nullish(),
    customRpd: customRpdSchema.nullish(),
    customConcurrency: customConcurrencySchema.nullish(),
    dailySpendCapMicros: positiveMicrosSchema.nullish(),
    creditLimitMicros: positiveMicrosSchema.nullish(),
  })
  .refine((v) => Object.values(v).some((x) => x !== undefined), "nothing to update");
export type UpdateKeyInput = z.input<typeof updateKeySchema>;

export const rotateKeySchema = z.object({
  graceHours: z.number().min(0).max(24 * 30).default(24),
});
export type RotateKeyInput = z.input<typeof rotateKeySchema>;

export const keyIdSchema = z.string().regex(/^key_[0-9A-Za-z]{1,64}$/, "not a key id");
