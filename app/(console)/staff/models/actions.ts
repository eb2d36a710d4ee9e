"use server";

import { z } from "zod";
import { defineAction } from "@/lib/auth/action";
import {
  addModelSchema,
  applyAddModel,
  applyDeprecation,
  applySchedulePrice,
  applySetModel,
  cancelScheduledPrice,
  deprecateModelSchema,
  modelIdSchema,
  priceIdSchema,
  schedulePriceSchema,
  setModelSchema,
  undeprecateModel,
} from "@/lib/models";

// Catalogue management from the staff area: the same lib functions as the CLI (model:*), with
// the staff user as the audited actor. The staff flag is checked by defineAction and again, from
// the database, by every lib function.
const actor = (ctx: { user: { id: string } }) => ({ kind: "staff" as const, userId: ctx.user.id });

export const addModelAction = defineAction({ input: addModelSchema, staff: true }, async (ctx, input) => ({ id: (await applyAddModel(ctx.db, actor(ctx), input)).id }));

export const setModelAction = defineAction({ input: setModelSchema, staff: true }, async (ctx, input) => ({ id: (await applySetModel(ctx.db, actor(ctx), input)).id }));

export const deprecateModelAction = defineAction({ input: deprecateModelSchema, staff: true }, async (ctx, input) => {
  const r = await applyDeprecation(ctx.db, actor(ctx), input);
  return { id: r.model.id, notified: r.notified };
});

export const undeprecateModelAction = defineAction({ input: z.object({ id: modelIdSchema }), staff: true }, async (ctx, input) => ({
  id: (await undeprecateModel(ctx.db, actor(ctx), input.id)).id,
}));

export const schedulePriceAction = defineAction({ input: schedulePriceSchema, staff: true }, async (ctx, input) => {
  const r = await applySchedulePrice(ctx.db, actor(ctx), input);
  return { id: r.price.id, notified: r.notified };
});

export const cancelPriceAction = defineAction({ input: z.object({ priceId: priceIdSchema }), staff: true }, async (ctx, input) => ({
  id: (await cancelScheduledPrice(ctx.db, actor(ctx), input.priceId)).id,
}));
