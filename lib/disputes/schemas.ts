import { z } from "zod";
import { usdToMicros } from "@/lib/money";

export const DISPUTE_WINDOW_DAYS = 30;
export const DISPUTE_STATUSES = ["open", "under_review", "refunded", "rejected"] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];
export const FINAL_STATUSES: readonly DisputeStatus[] = ["refunded", "rejected"];

export const disputeIdSchema = z.string({ error: "Missing dispute" }).regex(/^dsp_[0-9A-Za-z]{1,64}$/, "Not a dispute id");
const entryIdSchema = z.string().regex(/^le_[0-9A-Za-z]{1,64}$/, "Not a ledger entry id");
const requestIdSchema = z.string().trim().regex(/^[A-Za-z0-9_-]{8,64}$/, "Not a request id");

/** A positive USD amount typed by a person ("12", "0.5", "1.234567") → micros. */
export const usdAmountSchema = z
  .string({ error: "Enter an amount" })
  .trim()
  .regex(/^\d{1,9}(\.\d{1,6})?$/, "Enter an amount in USD, like 1.25")
  .transform((v) => usdToMicros(v))
  .refine((v) => v > BigInt(0), "The amount must be more than $0");

export const openDisputeSchema = z
  .object({
    ledgerEntryId: entryIdSchema.optional(),
    requestId: requestIdSchema.optional(),
    reason: z.string({ error: "Describe what went wrong" }).trim().min(10, "Please describe the problem (at least 10 characters)").max(4000, "At most 4,000 characters"),
    amountUsd: usdAmountSchema.optional(),
  })
  .refine((v) => Boolean(v.ledgerEntryId || v.requestId), { message: "Choose the charge or request to dispute", path: ["ledgerEntryId"] });
export type OpenDisputeInput = z.output<typeof openDisputeSchema>;

export const messageBodySchema = z.string({ error: "Write a message" }).trim().min(1, "Write a message").max(4000, "At most 4,000 characters");

export const disputeMessageSchema = z.object({ disputeId: disputeIdSchema, body: messageBodySchema });

export const staffResolveSchema = z.discriminatedUnion("outcome", [
  z.object({ disputeId: disputeIdSchema, outcome: z.literal("refund"), refundUsd: usdAmountSchema.optional(), note: z.string().trim().max(4000).optional() }),
  z.object({
    disputeId: disputeIdSchema,
    outcome: z.literal("reject"),
    note: z.string({ error: "Tell the customer why" }).trim().min(5, "Tell the customer why (at least 5 characters)").max(4000),
  }),
]);
export type StaffResolveInput = z.output<typeof staffResolveSchema>;
