"use server";

import { z } from "zod";
import { defineAction } from "@/lib/auth/action";
import { disputeIdSchema, disputeMessageSchema, resolveDispute, staffReply, staffResolveSchema, startReview } from "@/lib/disputes";
import { grantCredits, grantSchema, staffAccountStatusSchema, staffKeySchema, staffRevokeKey, staffSetAccountStatus } from "@/lib/staff";

// Staff actions name their target (account, dispute, model) in the input; the staff flag is
// checked by defineAction and again, from the database, by every lib function.
const staff = (ctx: { user: { id: string } }) => ({ userId: ctx.user.id });

export const grantCreditsAction = defineAction({ input: grantSchema, staff: true }, async (ctx, input) => {
  const r = await grantCredits(ctx.db, staff(ctx), input);
  return { created: r.created, entryId: r.entryId, lotId: r.lotId };
});

export const staffReplyAction = defineAction({ input: disputeMessageSchema, staff: true }, async (ctx, input) => staffReply(ctx.db, staff(ctx), input));

export const startReviewAction = defineAction({ input: z.object({ disputeId: disputeIdSchema }), staff: true }, async (ctx, input) => startReview(ctx.db, staff(ctx), input.disputeId));

export const resolveDisputeAction = defineAction({ input: staffResolveSchema, staff: true }, async (ctx, input) => {
  const r = await resolveDispute(ctx.db, staff(ctx), input);
  return { status: r.status, changed: r.changed, refundMicros: r.refundMicros?.toString() ?? null, entryId: r.entryId };
});

export const setAccountStatusAction = defineAction({ input: staffAccountStatusSchema, staff: true }, async (ctx, input) => {
  const r = await staffSetAccountStatus(ctx.db, staff(ctx), input);
  return { status: r.status, changed: r.changed, revokedKeys: r.revokedKeyIds.length };
});

export const staffRevokeKeyAction = defineAction({ input: staffKeySchema, staff: true }, async (ctx, input) => {
  const k = await staffRevokeKey(ctx.db, staff(ctx), input);
  return { id: k.id };
});
