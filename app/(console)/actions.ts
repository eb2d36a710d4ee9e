"use server";

import { defineAction } from "@/lib/auth/action";
import { setCurrentAccount } from "@/lib/auth/session";
import { markReadSchema, switchAccountSchema } from "@/lib/accounts/schemas";
import { markNotificationsRead } from "@/lib/accounts/notifications";

export const switchAccountAction = defineAction({ input: switchAccountSchema }, async (_ctx, input) => {
  await setCurrentAccount(input.accountId);
  return { accountId: input.accountId };
});

export const markNotificationsReadAction = defineAction({ input: markReadSchema }, async (ctx, input) =>
  markNotificationsRead(ctx.db, { userId: ctx.user.id, accountId: ctx.accountId }, input),
);
