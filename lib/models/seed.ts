// Seed models from db/seed/models.json (insert-only: rows edited by staff are never overwritten).
import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { modelKindEnum, models, providerEnum } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { invalidateModels } from "./catalogue";

const seedSchema = z.object({
  models: z.array(
    z.object({
      id: z.string().min(1),
      provider: z.enum(providerEnum.enumValues),
      upstreamModel: z.string().min(1),
      kind: z.enum(modelKindEnum.enumValues),
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
