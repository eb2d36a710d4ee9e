// The model catalogue: DB rows (models + their live scheduled prices) read through a short
// in-process cache. Catalogue changes (model:add/set/disable, deprecations, new schedules) apply
// within MODELS_CACHE_TTL_MS (default 10 s) on every instance, and at once in the instance that
// made them (invalidateModels()). A scheduled price switches at its exact instant regardless of
// the cache: the schedule is cached and the price in force is picked per call.
import { isNull } from "drizzle-orm";
import { modelPrices, models } from "@/db/schema";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { lifecycleState } from "./lifecycle";
import { normaliseSchedule, upcomingPrices, withPriceAt, type ScheduledPrice } from "./prices";

export type ModelRow = typeof models.$inferSelect;
export type ProviderName = ModelRow["provider"];

/** A model as served at an instant: prices in force then, plus the changes still to come. */
export interface ServedModel extends ModelRow {
  upcoming: ScheduledPrice[];
}

interface Entry {
  row: ModelRow;
  schedule: ScheduledPrice[];
}

interface Cache {
  at: number;
  byId: Map<string, Entry>;
  loading?: Promise<Map<string, Entry>>;
  seeded: boolean;
}
type G = typeof globalThis & { __tollgateModels?: Cache };
const g = globalThis as G;

function ttlMs(): number {
  return env().MODELS_CACHE_TTL_MS;
}

export function invalidateModels(): void {
  if (g.__tollgateModels) g.__tollgateModels.at = 0;
}

/** Is the platform able to call this provider without a customer key? */
export function providerConfigured(provider: ProviderName): boolean {
  if (provider === "mock") return true;
  if (provider === "openai") return Boolean(env().OPENAI_API_KEY);
  return Boolean(env().ANTHROPIC_API_KEY);
}

async function load(): Promise<Map<string, Entry>> {
  const db = await getDb();
  let list = await db.select().from(models);
  const cache = g.__tollgateModels!;
  if (list.length === 0 && !cache.seeded) {
    cache.seeded = true;
    const { seedModels } = await import("./seed");
    await seedModels(db);
    list = await db.select().from(models);
  }
  const prices = normaliseSchedule(await db.select().from(modelPrices).where(isNull(modelPrices.cancelledAt)));
  const byId = new Map<string, Entry>(list.map((m) => [m.id, { row: m, schedule: [] }]));
  for (const p of prices) byId.get(p.modelId)?.schedule.push(p);
  return byId;
}

async function all(): Promise<Map<string, Entry>> {
  g.__tollgateModels ??= { at: 0, byId: new Map(), seeded: false };
  const cache = g.__tollgateModels;
  if (cache.at > 0 && Date.now() - cache.at < ttlMs()) return cache.byId;
  cache.loading ??= load()
    .then((byId) => {
      cache.byId = byId;
      cache.at = Date.now();
      return byId;
    })
    .finally(() => {
      cache.loading = undefined;
    });
  return cache.loading;
}

function served(e: Entry, now: Date): ServedModel {
  return { ...withPriceAt(e.row, e.schedule, now), upcoming: upcomingPrices(e.schedule, now) };
}

/**
 * An enabled model by public id, priced as of `now` (undefined if unknown or disabled). A model
 * past its sunset is still returned: the caller answers 410 naming its replacement.
 */
export async function findModel(id: string, now: Date = new Date()): Promise<ModelRow | undefined> {
  const e = (await all()).get(id);
  return e && e.row.enabled ? withPriceAt(e.row, e.schedule, now) : undefined;
}

/** What GET /v1/models and /pricing list: enabled, callable, not yet retired. */
export async function listServedModels(now: Date = new Date()): Promise<ServedModel[]> {
  return [...(await all()).values()]
    .filter((e) => e.row.enabled && providerConfigured(e.row.provider) && lifecycleState(e.row, now) !== "sunset")
    .sort((a, b) => a.row.id.localeCompare(b.row.id))
    .map((e) => served(e, now));
}

/** One served model by id (for GET /v1/models/{id}); retired and disabled models are absent. */
export async function findServedModel(id: string, now: Date = new Date()): Promise<ServedModel | undefined> {
  const e = (await all()).get(id);
  if (!e || !e.row.enabled || !providerConfigured(e.row.provider) || lifecycleState(e.row, now) === "sunset") return undefined;
  return served(e, now);
}
