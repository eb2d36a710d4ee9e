// The staff view of the catalogue: every model (enabled or not) with its upcoming scheduled
// prices. Changes go through lib/models (the same functions as the CLI).
import { asc, isNull } from "drizzle-orm";
import { modelPrices, models } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { requireStaff } from "@/lib/accounts/authorize";
import { normaliseSchedule, withPriceAt, type ScheduledPrice } from "@/lib/models/prices";

export type ModelRow = typeof models.$inferSelect;

export interface StaffModel extends ModelRow {
  /** Prices scheduled after `now`, soonest first (the row itself carries the price in force). */
  upcoming: ScheduledPrice[];
}

export async function listModelsForStaff(db: DbOrTx, ctx: { userId: string }, now = new Date()): Promise<StaffModel[]> {
  await requireStaff(db, ctx.userId);
  const [rows, prices] = await Promise.all([
    db.select().from(models).orderBy(asc(models.id)),
    db.select().from(modelPrices).where(isNull(modelPrices.cancelledAt)).orderBy(asc(modelPrices.effectiveAt)),
  ]);
  const schedule = normaliseSchedule(prices);
  return rows.map((m) => {
    const own = schedule.filter((p) => p.modelId === m.id);
    return { ...withPriceAt(m, own, now), upcoming: own.filter((p) => p.effectiveAt.getTime() > now.getTime()) };
  });
}
