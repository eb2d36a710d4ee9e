import { z } from "zod";

export const switchAccountSchema = z.object({ accountId: z.string().regex(/^acct_[0-9A-Za-z]{1,64}$/, "Not an account id") });

export const markReadSchema = z.union([
  z.object({ all: z.literal(true).or(z.literal("true").transform(() => true as const)) }),
  z.object({ ids: z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v])).pipe(z.array(z.string().regex(/^ntf_[0-9A-Za-z]{1,64}$/)).min(1).max(200)) }),
]);
