"use server";

import { defineAction } from "@/lib/auth/action";
import { addCustomerMessage, disputeMessageSchema, openDispute, openDisputeSchema } from "@/lib/disputes";

export const openDisputeAction = defineAction({ input: openDisputeSchema, permission: "disputes:write" }, async (ctx, input) =>
  openDispute(ctx.db, { userId: ctx.user.id, accountId: ctx.accountId }, input),
);

export const addDisputeMessageAction = defineAction({ input: disputeMessageSchema, permission: "disputes:write" }, async (ctx, input) =>
  addCustomerMessage(ctx.db, { userId: ctx.user.id, accountId: ctx.accountId }, input),
);
