"use server";

import { defineAction } from "@/lib/auth/action";
import { createKey, revokeKey, rotateKey, updateKey, type KeyContext } from "@/lib/keys";
import { createKeyFormSchema, keyIdFormSchema, rotateKeyFormSchema, updateKeyFormSchema } from "@/lib/accounts/key-forms";
import type { ActionContext } from "@/lib/auth/action";

function keyCtx(ctx: ActionContext): KeyContext {
  return { accountId: ctx.accountId, actorUserId: ctx.user.id, actorKind: "user" };
}

export const createKeyAction = defineAction({ input: createKeyFormSchema, permission: "keys:write" }, async (ctx, input) => {
  const { key, plaintext } = await createKey(ctx.db, keyCtx(ctx), {
    name: input.name,
    tier: input.tier,
    expiresAt: input.expiresOn,
    dailySpendCapMicros: input.dailySpendCapUsd,
    creditLimitMicros: input.creditLimitUsd,
  });
  return { id: key.id, name: key.name, prefix: key.prefix, last4: key.last4, plaintext };
});

export const updateKeyAction = defineAction({ input: updateKeyFormSchema, permission: "keys:write" }, async (ctx, input) => {
  const key = await updateKey(ctx.db, keyCtx(ctx), input.keyId, {
    name: input.name,
    tier: input.tier,
    dailySpendCapMicros: input.dailySpendCapUsd,
    creditLimitMicros: input.creditLimitUsd,
  });
  return { id: key.id, tier: key.tier };
});

export const rotateKeyAction = defineAction({ input: rotateKeyFormSchema, permission: "keys:write" }, async (ctx, input) => {
  const { key, plaintext, previous } = await rotateKey(ctx.db, keyCtx(ctx), input.keyId, { graceHours: input.graceHours });
  return { id: key.id, name: key.name, prefix: key.prefix, last4: key.last4, plaintext, previousGraceUntil: previous.graceUntil?.toISOString() ?? null };
});

export const revokeKeyAction = defineAction({ input: keyIdFormSchema, permission: "keys:write" }, async (ctx, input) => {
  const key = await revokeKey(ctx.db, keyCtx(ctx), input.keyId);
  return { id: key.id };
});
