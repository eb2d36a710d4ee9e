// Query strings of the read-only API endpoints (/usage, /credits/transactions). Hostile input:
// anything malformed answers 400 INVALID_REQUEST naming the parameter.
import { z } from "zod";

export const MAX_TRANSACTIONS_PAGE = 200;

export const apiUsageQuerySchema = z.object({
  days: z.coerce.number({ error: "days must be a whole number" }).int("days must be a whole number").min(1, "days is at least 1").max(90, "days is at most 90").default(30),
  group_by: z.enum(["model", "key"], { error: "group_by is model or key" }).optional(),
});
export type ApiUsageQuery = z.output<typeof apiUsageQuerySchema>;

export const transactionsQuerySchema = z.object({
  limit: z.coerce
    .number({ error: "limit must be a whole number" })
    .int("limit must be a whole number")
    .min(1, "limit is at least 1")
    .max(MAX_TRANSACTIONS_PAGE, `limit is at most ${MAX_TRANSACTIONS_PAGE}`)
    .default(50),
  offset: z.coerce.number({ error: "offset must be a whole number" }).int("offset must be a whole number").min(0, "offset cannot be negative").max(10_000_000, "offset is too large").default(0),
  /** The snapshot a paging session started from (returned by the first page). */
  as_of: z
    .string()
    .regex(/^\d{1,18}$/, "as_of is the value returned by the first page")
    .transform((v) => BigInt(v))
    .optional(),
});
export type TransactionsQuery = z.output<typeof transactionsQuerySchema>;

/** URLSearchParams → plain object for the schemas (repeated parameters: the first wins). */
export function queryObject(params: URLSearchParams, names: readonly string[]): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const n of names) out[n] = params.get(n) ?? undefined;
  return out;
}
