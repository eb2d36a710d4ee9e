// Catalogue management shared by the CLI and the staff area: add, change, disable, deprecate
// (and undo), and schedule prices. Each change and its audit row commit in one transaction;
// the catalogue cache is invalidated here and other instances follow within its TTL.
import { and, eq, gt, isNull } from "drizzle-orm";
import { modelPrices, models } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { requireStaff } from "@/lib/accounts/authorize";
import { writeAudit } from "@/lib/audit";
import { AppError, invalidRequestFromZod } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { noticeDeprecation, noticePriceChange } from "@/lib/notifications/model-notices";
import { invalidateModels, type ModelRow } from "./catalogue";
import { lifecycleState } from "./lifecycle";
import {
  addModelSchema,
  deprecateModelSchema,
  MIN_PRICE_NOTICE_DAYS,
  MIN_SUNSET_NOTICE_DAYS,
  modelIdSchema,
  priceIdSchema,
  schedulePriceSchema,
  setModelSchema,
  type AddModelInput,
  type AddModelValues,
  type DeprecateModelInput,
  type DeprecateModelValues,
  type SchedulePriceInput,
  type SchedulePriceValues,
  type SetModelInput,
  type SetModelValues,
} from "./schemas";

const DAY_MS = 86_400_000;

/** Raw input (CLI flags, form fields): every field is checked by the schema. */
export type Raw<T> = { [K in keyof T]?: unknown };

/** Staff act from the console (flag re-read from the database); the CLI is the operator. */
export type CatalogueActor = { kind: "staff"; userId: string } | { kind: "cli" };

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, input: unknown): T {
  const r = schema.safeParse(input);
  if (!r.success) throw invalidRequestFromZod(r.error.issues);
  return r.data;
}

async function authorizeActor(db: DbOrTx, actor: CatalogueActor): Promise<void> {
  if (actor.kind === "staff") await requireStaff(db, actor.userId);
}

function audit(tx: DbOrTx, actor: CatalogueActor, action: string, modelId: string, data: Record<string, unknown>) {
  return writeAudit(tx, {
    actorUserId: actor.kind === "staff" ? actor.userId : null,
    actorKind: actor.kind,
    action,
    targetType: "model",
    targetId: modelId,
    data,
  });
}

async function lockModel(tx: DbOrTx, id: string): Promise<ModelRow> {
  const [m] = await tx.select().from(models).where(eq(models.id, id)).for("update").limit(1);
  if (!m) throw new AppError("NOT_FOUND", `No model '${id}'.`, { param: "id" });
  return m;
}

export async function addModel(db: DbOrTx, actor: CatalogueActor, input: Raw<AddModelInput>, now = new Date()): Promise<ModelRow> {
  return applyAddModel(db, actor, parse(addModelSchema, input), now);
}

/** addModel with input already checked by addModelSchema (server actions validate first). */
export async function applyAddModel(db: DbOrTx, actor: CatalogueActor, v: AddModelValues, now = new Date()): Promise<ModelRow> {
  await authorizeActor(db, actor);
  const row = await db.transaction(async (tx) => {
    const [created] = await tx
      .insert(models)
      .values({
        id: v.id,
        provider: v.provider,
        upstreamModel: v.upstreamModel,
        kind: v.kind,
        inputPriceMicrosPerMtok: v.inputUsdPerMtok,
        outputPriceMicrosPerMtok: v.outputUsdPerMtok,
        cachedInputPriceMicrosPerMtok: v.cachedInputUsdPerMtok ?? null,
        contextWindow: v.contextWindow,
        maxOutputTokens: v.kind === "embedding" ? 1 : v.maxOutputTokens,
        enabled: v.enabled,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing({ target: models.id })
      .returning();
    if (!created) throw new AppError("CONFLICT", `A model '${v.id}' already exists; use model:set.`, { param: "id" });
    await audit(tx, actor, "model.add", v.id, { model: created });
    return created;
  });
  invalidateModels();
  return row;
}

export async function setModel(db: DbOrTx, actor: CatalogueActor, input: Raw<SetModelInput>, now = new Date()): Promise<ModelRow> {
  return applySetModel(db, actor, parse(setModelSchema, input), now);
}

export async function applySetModel(db: DbOrTx, actor: CatalogueActor, v: SetModelValues, now = new Date()): Promise<ModelRow> {
  await authorizeActor(db, actor);
  const row = await db.transaction(async (tx) => {
    const before = await lockModel(tx, v.id);
    const next = {
      upstreamModel: v.upstreamModel ?? before.upstreamModel,
      contextWindow: v.contextWindow ?? before.contextWindow,
      maxOutputTokens: v.maxOutputTokens ?? before.maxOutputTokens,
      enabled: v.enabled ?? before.enabled,
    };
    if (before.kind === "chat" && next.maxOutputTokens > next.contextWindow) {
      throw new AppError("INVALID_REQUEST", "Max output tokens cannot exceed the context window.", { param: "maxOutputTokens" });
    }
    const changed: Record<string, { from: unknown; to: unknown }> = {};
    for (const k of Object.keys(next) as (keyof typeof next)[]) if (before[k] !== next[k]) changed[k] = { from: before[k], to: next[k] };
    if (Object.keys(changed).length === 0) return before;
    const [after] = await tx.update(models).set({ ...next, updatedAt: now }).where(eq(models.id, v.id)).returning();
    await audit(tx, actor, next.enabled === before.enabled ? "model.update" : next.enabled ? "model.enable" : "model.disable", v.id, { changed });
    return after;
  });
  invalidateModels();
  return row;
}

export async function disableModel(db: DbOrTx, actor: CatalogueActor, id: string, now = new Date()): Promise<ModelRow> {
  return setModel(db, actor, { id, enabled: false }, now);
}

/**
 * Deprecates a model: sunset at least MIN_SUNSET_NOTICE_DAYS away unless forced, and a live
 * replacement. Re-deprecating keeps the original deprecation date and may move the sunset.
 * Accounts that used the model in the last 30 days are notified in the same transaction.
 */
export async function deprecateModel(db: DbOrTx, actor: CatalogueActor, input: Raw<DeprecateModelInput>, now = new Date()): Promise<{ model: ModelRow; notified: number }> {
  return applyDeprecation(db, actor, parse(deprecateModelSchema, input), now);
}

export async function applyDeprecation(db: DbOrTx, actor: CatalogueActor, v: DeprecateModelValues, now = new Date()): Promise<{ model: ModelRow; notified: number }> {
  await authorizeActor(db, actor);
  if (v.replacementId === v.id) throw new AppError("INVALID_REQUEST", "A model cannot replace itself.", { param: "replacementId" });
  if (v.sunset.getTime() <= now.getTime()) throw new AppError("INVALID_REQUEST", "The sunset must be in the future.", { param: "sunset" });
  if (!v.force && v.sunset.getTime() - now.getTime() < MIN_SUNSET_NOTICE_DAYS * DAY_MS) {
    throw new AppError("INVALID_REQUEST", `The sunset must be at least ${MIN_SUNSET_NOTICE_DAYS} days away (customers are owed that notice); use force to override.`, { param: "sunset" });
  }
  const result = await db.transaction(async (tx) => {
    const before = await lockModel(tx, v.id);
    const [replacement] = await tx.select().from(models).where(eq(models.id, v.replacementId)).limit(1);
    if (!replacement || !replacement.enabled) throw new AppError("INVALID_REQUEST", `The replacement '${v.replacementId}' is not an enabled model.`, { param: "replacementId" });
    if (lifecycleState(replacement, now) !== "active") throw new AppError("INVALID_REQUEST", `The replacement '${v.replacementId}' is itself deprecated.`, { param: "replacementId" });
    if (replacement.kind !== before.kind) throw new AppError("INVALID_REQUEST", `The replacement must also be a ${before.kind} model.`, { param: "replacementId" });
    const deprecatedAt = before.deprecatedAt && lifecycleState(before, now) === "deprecated" ? before.deprecatedAt : now;
    const [after] = await tx
      .update(models)
      .set({ deprecatedAt, sunsetAt: v.sunset, replacementId: v.replacementId, updatedAt: now })
      .where(eq(models.id, v.id))
      .returning();
    await audit(tx, actor, "model.deprecate", v.id, {
      sunsetAt: v.sunset.toISOString(),
      replacementId: v.replacementId,
      forced: v.force && v.sunset.getTime() - now.getTime() < MIN_SUNSET_NOTICE_DAYS * DAY_MS,
      previous: { deprecatedAt: before.deprecatedAt, sunsetAt: before.sunsetAt, replacementId: before.replacementId },
    });
    const notified = await noticeDeprecation(tx, { id: after.id, sunsetAt: v.sunset, replacementId: v.replacementId }, now);
    return { model: after, notified };
  });
  invalidateModels();
  return result;
}

export async function undeprecateModel(db: DbOrTx, actor: CatalogueActor, id: string, now = new Date()): Promise<ModelRow> {
  const modelId = parse(modelIdSchema, id);
  await authorizeActor(db, actor);
  const row = await db.transaction(async (tx) => {
    const before = await lockModel(tx, modelId);
    if (!before.deprecatedAt) return before;
    const [after] = await tx.update(models).set({ deprecatedAt: null, sunsetAt: null, replacementId: null, updatedAt: now }).where(eq(models.id, modelId)).returning();
    await audit(tx, actor, "model.undeprecate", modelId, { previous: { deprecatedAt: before.deprecatedAt, sunsetAt: before.sunsetAt, replacementId: before.replacementId } });
    return after;
  });
  invalidateModels();
  return row;
}

export type ScheduledPriceRow = typeof modelPrices.$inferSelect;

/**
 * Schedules a new price from `effective` on: at least MIN_PRICE_NOTICE_DAYS out unless forced
 * (the audit row says it was). Customers who used the model in the last 30 days are notified.
 */
export async function schedulePrice(db: DbOrTx, actor: CatalogueActor, input: Raw<SchedulePriceInput>, now = new Date()): Promise<{ price: ScheduledPriceRow; notified: number }> {
  return applySchedulePrice(db, actor, parse(schedulePriceSchema, input), now);
}

export async function applySchedulePrice(db: DbOrTx, actor: CatalogueActor, v: SchedulePriceValues, now = new Date()): Promise<{ price: ScheduledPriceRow; notified: number }> {
  await authorizeActor(db, actor);
  const early = v.effective.getTime() - now.getTime() < MIN_PRICE_NOTICE_DAYS * DAY_MS;
  if (early && !v.force) {
    throw new AppError("INVALID_REQUEST", `A price change takes effect at least ${MIN_PRICE_NOTICE_DAYS} days out (customers are owed that notice); use force to override.`, { param: "effective" });
  }
  // A forced change "now" is the one way to change a price at once; never into the past.
  const effectiveAt = v.effective.getTime() < now.getTime() ? now : v.effective;
  const result = await db.transaction(async (tx) => {
    await lockModel(tx, v.id);
    const [price] = await tx
      .insert(modelPrices)
      .values({
        id: newId("modelPrice"),
        modelId: v.id,
        inputPriceMicrosPerMtok: v.inputUsdPerMtok,
        outputPriceMicrosPerMtok: v.outputUsdPerMtok,
        cachedInputPriceMicrosPerMtok: v.cachedInputUsdPerMtok ?? null,
        effectiveAt,
        createdBy: actor.kind === "staff" ? actor.userId : "cli",
        createdAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (!price) throw new AppError("CONFLICT", `'${v.id}' already has a price scheduled at ${effectiveAt.toISOString()}; cancel it first.`, { param: "effective" });
    await audit(tx, actor, "model.price.schedule", v.id, { priceId: price.id, effectiveAt: effectiveAt.toISOString(), forced: early, price });
    const notified = effectiveAt.getTime() > now.getTime() ? await noticePriceChange(tx, price, now) : 0;
    return { price, notified };
  });
  invalidateModels();
  return result;
}

/** Cancels a price that has not taken effect yet. */
export async function cancelScheduledPrice(db: DbOrTx, actor: CatalogueActor, priceId: string, now = new Date()): Promise<ScheduledPriceRow> {
  const id = parse(priceIdSchema, priceId);
  await authorizeActor(db, actor);
  const row = await db.transaction(async (tx) => {
    const [p] = await tx
      .update(modelPrices)
      .set({ cancelledAt: now })
      .where(and(eq(modelPrices.id, id), isNull(modelPrices.cancelledAt), gt(modelPrices.effectiveAt, now)))
      .returning();
    if (!p) throw new AppError("NOT_FOUND", "No upcoming scheduled price with that id (prices already in force cannot be cancelled; schedule a new one).");
    await audit(tx, actor, "model.price.cancel", p.modelId, { priceId: p.id, effectiveAt: p.effectiveAt.toISOString() });
    return p;
  });
  invalidateModels();
  return row;
}
