"use server";

import { defineAction } from "@/lib/auth/action";
import { completeSimulatedPayment, setLowBalanceThreshold, startTopUp } from "@/lib/billing";
import { checkoutSessionFormSchema, lowBalanceFormSchema, topUpFormSchema } from "@/lib/accounts/billing-forms";

export const startTopUpAction = defineAction({ input: topUpFormSchema, permission: "billing:write" }, async (ctx, input) => {
  const started = await startTopUp(ctx.db, { accountId: ctx.accountId, userId: ctx.user.id }, { amountMicros: input.amountUsd, idempotencyKey: input.idempotencyKey });
  return { url: started.url, simulated: started.simulated };
});

export const completeSimulatedPaymentAction = defineAction({ input: checkoutSessionFormSchema, permission: "billing:write" }, async (ctx, input) => {
  const result = await completeSimulatedPayment(ctx.db, { accountId: ctx.accountId, userId: ctx.user.id }, input.sessionId);
  return { status: result.status, amountMicros: result.amountMicros.toString(), sessionId: input.sessionId };
});

export const setLowBalanceThresholdAction = defineAction({ input: lowBalanceFormSchema, permission: "billing:write" }, async (ctx, input) => {
  const r = await setLowBalanceThreshold(ctx.db, { accountId: ctx.accountId, userId: ctx.user.id }, input.thresholdUsd);
  return { thresholdMicros: r.thresholdMicros?.toString() ?? null };
});
