// Staff editor for the models table (prices are micro-USD per million tokens).
import { asc, eq } from "drizzle-orm";
import { models } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { writeAudit } from "@/lib/audit";
import { AppError } from "@/lib/errors";
import { requireStaff } from "@/lib/accounts/authorize";
import { invalidateModels } from "@/lib/models";
import type { ModelUpdateInput } from "./schemas";

export type ModelRow = typeof models.$inferSelect;

export async function listModelsForStaff(db: DbOrTx, ctx: { userId: string }): Promise<ModelRow[]> {
  await requireStaff(db, ctx.userId);
  return db.select().from(models).orderBy(asc(models.id));
}

export async function updateModel(db: DbOrTx, ctx: { userId: string }, input: ModelUpdateInput, now = new Date()): Promise<ModelRow> {
  await requireStaff(db, ctx.userId);
  if (input.maxOutputTokens > input.contextWindow) {
    throw new AppError("INVALID_REQUEST", "Max output tokens cannot exceed the context window.", { param: "maxOutputTokens" });
  }
  const updated = await db.transaction(async (tx) => {
    const [before] = await tx.select().from(models).where(eq(models.id, input.id)).for("update").limit(1);
    if (!before) throw new AppError("NOT_FOUND", "Model not found.");
    const [after] = await tx
      .update(models)
      .set({
        inputPriceMicrosPerMtok: input.inputPriceMicrosPerMtok,
        outputPriceMicrosPerMtok: input.outputPriceMicrosPerMtok,
        cachedInputPriceMicrosPerMtok: input.cachedInputPriceMicrosPerMtok,
        contextWindow: input.contextWindow,
        maxOutputTokens: input.maxOutputTokens,
        enabled: input.enabled,
        updatedAt: now,
      })
      .where(eq(models.id, input.id))
      .returning();
    const changed: Record<string, { from: unknown; to: unknown }> = {};
    for (const k of ["inputPriceMicrosPerMtok", "outputPriceMicrosPerMtok", "cachedInputPriceMicrosPerMtok", "contextWindow", "maxOutputTokens", "enabled"] as const) {
      if (String(before[k]) !== String(after[k])) changed[k] = { from: before[k], to: after[k] };
    }
    await writeAudit(tx, { actorUserId: ctx.userId, actorKind: "staff", action: "model.update", targetType: "model", targetId: input.id, data: { changed } });
    return after;
  });
  // This instance sees the new price at once; others within the catalogue's cache TTL.
  invalidateModels();
  return updated;
}
