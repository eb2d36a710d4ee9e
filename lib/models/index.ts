// The model catalogue: DB rows seeded from db/seed/models.json, read through a short in-process
// cache (prices changed by staff apply within MODELS_CACHE_TTL_MS, default 10 s, on every
// instance; immediately in the instance that changed them via invalidateModels()).
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { models } from "@/db/schema";
import { getDb, type DbOrTx } from "@/lib/db";

export type ModelRow = typeof models.$inferSelect;
export type ProviderName = ModelRow["provider"];

const seedSchema = z.object({
  models: z.array(
    z.object({
      id: z.string().min(1),
      provider: z.enum(["openai", "anthropic", "mock"]),
      upstreamModel: z.string().min(1),
      kind: z.enum(["chat", "embedding"]),
      inputPriceMicrosPerMtok: z.number().int().min(0),
      outputPriceMicrosPerMtok: z.number().int().min(0),
      cachedInputPriceMicrosPerMtok: z.number().int().min(0).optional(),
      contextWindow: z.number().int().positive(),
      maxOutputTokens: z.number().int().positive(),
      enabled: z.boolean().default(true),
    }),
  ),
});

export function seedFile(): string {
  return path.join(process.cwd(), "db", "seed", "models.json");
}

/** Inserts missing seed models; existing rows (maybe edited by staff) are left alone. */
export async function seedModels(db: DbOrTx): Promise<number> {
  const parsed = seedSchema.parse(JSON.parse(fs.readFileSync(seedFile(), "utf8")));
  const values = parsed.models.map((m) => ({
    id: m.id,
    provider: m.provider,
    upstreamModel: m.upstreamModel,
    kind: m.kind,
    inputPriceMicrosPerMtok: BigInt(m.inputPriceMicrosPerMtok),
    outputPriceMicrosPerMtok: BigInt(m.outputPriceMicrosPerMtok),
    cachedInputPriceMicrosPerMtok: m.cachedInputPriceMicrosPerMtok === undefined ? null : BigInt(m.cachedInputPriceMicrosPerMtok),
    contextWindow: m.contextWindow,
    maxOutputTokens: m.maxOutputTokens,
    enabled: m.enabled,
  }));
  const inserted = await db.insert(models).values(values).onConflictDoNothing({ target: models.id }).returning({ id: models.id });
  invalidateModels();
  return inserted.length;
}

/** Is the platform able to call this provider without a customer key? */
export function providerConfigured(provider: ProviderName): boolean {
  if (provider === "mock") return true;
  if (provider === "openai") return Boolean(process.env.OPENAI_API_KEY);
  return Boolean(process.env.ANTHROPIC_API_KEY);
}

interface Cache {
  at: number;
  byId: Map<string, ModelRow>;
  loading?: Promise<Map<string, ModelRow>>;
  seeded: boolean;
}
type G = typeof globalThis & { __tollgateModels?: Cache };
const g = globalThis as G;

function ttlMs(): number {
  return Number(process.env.MODELS_CACHE_TTL_MS ?? 10_000);
}

export function invalidateModels(): void {
  if (g.__tollgateModels) g.__tollgateModels.at = 0;
}

async function load(): Promise<Map<string, ModelRow>> {
  const db = await getDb();
  let list = await db.select().from(models);
  const cache = g.__tollgateModels!;
  if (list.length === 0 && !cache.seeded) {
    cache.seeded = true;
    await seedModels(db);
    list = await db.select().from(models);
  }
  return new Map(list.map((m) => [m.id, m]));
}

async function all(): Promise<Map<string, ModelRow>> {
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

/** An enabled model by public id (undefined if unknown or disabled). */
export async function findModel(id: string): Promise<ModelRow | undefined> {
  const m = (await all()).get(id);
  return m && m.enabled ? m : undefined;
}

/** What GET /v1/models lists: enabled models whose provider the platform can call. */
export async function listServedModels(): Promise<ModelRow[]> {
  return [...(await all()).values()].filter((m) => m.enabled && providerConfigured(m.provider)).sort((a, b) => a.id.localeCompare(b.id));
}
