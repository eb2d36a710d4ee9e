"use server";

import { z } from "zod";
import { defineAction } from "@/lib/auth/action";
import { closeAccount, deleteOwnUser } from "@/lib/accounts/closure";

// The account and user come from the session; the confirmation text is the only input.
export const closeAccountAction = defineAction({ input: z.object({ confirm: z.literal("CLOSE", { error: "Type CLOSE to confirm" }) }), permission: "members:write" }, async (ctx) => {
  const r = await closeAccount(ctx.db, { userId: ctx.user.id, accountId: ctx.accountId });
  return { status: r.status, balanceMicros: r.balanceMicros.toString(), refundHowTo: r.refundHowTo, revokedKeys: r.revokedKeyIds.length };
});

export const deleteMyUserAction = defineAction({ input: z.object({ confirm: z.literal("DELETE", { error: "Type DELETE to confirm" }) }) }, async (ctx) => deleteOwnUser(ctx.db, ctx.user.id));
