import { z } from "zod";
import { usdAmountSchema } from "@/lib/disputes/schemas";

export const MAX_GRANT_MICROS = BigInt(100_000) * BigInt(1_000_000);

export const grantSchema = z.object({
  accountId: z.string({ error: "Missing account" }).regex(/^acct_[0-9A-Za-z]{1,64}$/, "Not an account id"),
  amountUsd: usdAmountSchema.refine((v) => v <= MAX_GRANT_MICROS, "Grants are at most $100,000; split larger amounts"),
  reason: z.string({ error: "Give a reason (it is shown in the ledger and audit log)" }).trim().min(3, "Give a reason (at least 3 characters)").max(500, "At most 500 characters"),
  expiresInDays: z.coerce.number({ error: "Enter a number of days" }).int("Whole days only").min(1, "At least 1 day").max(3650, "At most 10 years").default(365),
  /** A form nonce: a double-submitted grant form grants once. */
  idempotencyKey: z.string({ error: "Reload the page and try again" }).regex(/^[A-Za-z0-9_-]{16,64}$/, "Reload the page and try again"),
});
export type GrantInput = z.output<typeof grantSchema>;

const accountIdSchema = z.string({ error: "Missing account" }).regex(/^acct_[0-9A-Za-z]{1,64}$/, "Not an account id");

export const staffAccountStatusSchema = z
  .object({
    accountId: accountIdSchema,
    op: z.enum(["suspend", "unsuspend", "terminate"], { error: "Unknown operation" }),
    reason: z.string().trim().max(500, "At most 500 characters").optional(),
  })
  .refine((v) => v.op === "unsuspend" || (v.reason && v.reason.length >= 3), { path: ["reason"], message: "Give a reason (at least 3 characters); the customer sees it" });
export type StaffAccountStatusInput = z.output<typeof staffAccountStatusSchema>;

export const staffKeySchema = z.object({
  accountId: accountIdSchema,
  keyId: z.string({ error: "Missing key" }).regex(/^key_[0-9A-Za-z]{1,64}$/, "Not a key id"),
});
export type StaffKeyInput = z.output<typeof staffKeySchema>;
