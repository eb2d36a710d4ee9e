// Scheduled prices, as pure functions over a model's base price and its schedule. The price in
// force at an instant is the latest scheduled price whose effective_at is not after it (else the
// base price on the models row). Nothing has to run at the switch: the gateway asks for the
// price in force when it places a call's hold, and that price settles the call.
import type { models, modelPrices } from "@/db/schema";

type ModelRowBase = typeof models.$inferSelect;
export type ScheduledPriceRow = typeof modelPrices.$inferSelect;

export interface PriceSet {
  inputPriceMicrosPerMtok: bigint;
  outputPriceMicrosPerMtok: bigint;
  cachedInputPriceMicrosPerMtok: bigint | null;
}

export interface ScheduledPrice extends PriceSet {
  id: string;
  modelId: string;
  effectiveAt: Date;
}

/** Live (not cancelled) schedule rows, oldest first. */
export function normaliseSchedule(rows: ScheduledPriceRow[]): ScheduledPrice[] {
  return rows
    .filter((r) => r.cancelledAt === null)
    .map((r) => ({
      id: r.id,
      modelId: r.modelId,
      effectiveAt: r.effectiveAt,
      inputPriceMicrosPerMtok: r.inputPriceMicrosPerMtok,
      outputPriceMicrosPerMtok: r.outputPriceMicrosPerMtok,
      cachedInputPriceMicrosPerMtok: r.cachedInputPriceMicrosPerMtok,
    }))
    .sort((a, b) => a.effectiveAt.getTime() - b.effectiveAt.getTime());
}

/** The schedule entry in force at `at` (null: the base price applies). `schedule` is sorted. */
export function scheduledInForce(schedule: readonly ScheduledPrice[], at: Date): ScheduledPrice | null {
  let found: ScheduledPrice | null = null;
  const t = at.getTime();
  for (const p of schedule) {
    if (p.effectiveAt.getTime() > t) break;
    found = p;
  }
  return found;
}

/** The model with the prices in force at `at` (the same object when the base price applies). */
export function withPriceAt<M extends ModelRowBase>(model: M, schedule: readonly ScheduledPrice[], at: Date): M {
  const p = scheduledInForce(schedule, at);
  if (!p) return model;
  return {
    ...model,
    inputPriceMicrosPerMtok: p.inputPriceMicrosPerMtok,
    outputPriceMicrosPerMtok: p.outputPriceMicrosPerMtok,
    cachedInputPriceMicrosPerMtok: p.cachedInputPriceMicrosPerMtok,
  };
}

/** Prices that will take effect after `at`, soonest first. */
export function upcomingPrices(schedule: readonly ScheduledPrice[], at: Date): ScheduledPrice[] {
  return schedule.filter((p) => p.effectiveAt.getTime() > at.getTime());
}
