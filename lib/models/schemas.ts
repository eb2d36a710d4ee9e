// Input schemas for catalogue management (CLI flags and staff forms share them). Prices are
// typed in USD per million tokens and kept as bigint micro-USD per Mtok.
import { z } from "zod";
import { modelKindEnum, providerEnum } from "@/db/schema";
import { usdToMicros } from "@/lib/money";

// The database enums are the one list of each.
export const MODEL_PROVIDERS = providerEnum.enumValues;
export const MODEL_KINDS = modelKindEnum.enumValues;
/** Notice the terms promise before a sunset and before a price change. */
export const MIN_SUNSET_NOTICE_DAYS = 30;
export const MIN_PRICE_NOTICE_DAYS = 14;

export const modelIdSchema = z
  .string({ error: "Missing model id" })
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/, "Model ids are 1-100 letters, digits, '.', '_', ':' or '-'");

const upstreamModelSchema = z
  .string({ error: "Missing upstream model" })
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,199}$/, "Upstream model names are 1-200 letters, digits or . _ : / @ -");

/** "2.5" → 2_500_000 micro-USD per Mtok; at most 6 decimals and $1,000,000 per Mtok. */
export const usdPerMtokSchema = z
  .string({ error: "Enter a price in USD per million tokens" })
  .trim()
  .regex(/^\d{1,7}(\.\d{1,6})?$/, "Enter USD per million tokens, like 0.15 (at most 6 decimals)")
  .transform((v) => usdToMicros(v))
  .refine((v) => v <= BigInt(1_000_000) * BigInt(1_000_000), "That price is implausibly high (over $1,000,000 per Mtok)");

const optionalUsdPerMtok = z.preprocess((v) => (v === "" || v === undefined || v === null ? undefined : v), usdPerMtokSchema.optional());

const tokensSchema = (max: number) =>
  z.coerce.number({ error: "Enter a whole number of tokens" }).int("Whole tokens only").min(1, "Must be at least 1").max(max, `At most ${max.toLocaleString("en-US")}`);

const boolish = z.preprocess((v) => (v === "true" || v === "on" || v === true ? true : v === "false" || v === false ? false : v), z.boolean());

/** YYYY-MM-DD (00:00 UTC that day) or an ISO timestamp with a zone. */
export const instantSchema = z
  .string({ error: "Enter a date (YYYY-MM-DD)" })
  .trim()
  .refine((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(v), "Use YYYY-MM-DD or an ISO timestamp with a zone")
  .transform((v) => new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v))
  .refine((d) => !Number.isNaN(d.getTime()), "Not a real date");

export const addModelSchema = z
  .object({
    id: modelIdSchema,
    provider: z.enum(MODEL_PROVIDERS, { error: `Provider is one of ${MODEL_PROVIDERS.join(", ")}` }),
    upstreamModel: upstreamModelSchema,
    kind: z.enum(MODEL_KINDS, { error: "Kind is chat or embedding" }).default("chat"),
    inputUsdPerMtok: usdPerMtokSchema,
    outputUsdPerMtok: usdPerMtokSchema,
    cachedInputUsdPerMtok: optionalUsdPerMtok,
    contextWindow: tokensSchema(100_000_000),
    maxOutputTokens: tokensSchema(10_000_000),
    enabled: boolish.default(true),
  })
  .refine((v) => v.maxOutputTokens <= v.contextWindow, { message: "Max output tokens cannot exceed the context window", path: ["maxOutputTokens"] });
export type AddModelInput = z.input<typeof addModelSchema>;
export type AddModelValues = z.output<typeof addModelSchema>;

/** Everything but prices (those are scheduled, with notice: schedulePriceSchema). */
export const setModelSchema = z
  .object({
    id: modelIdSchema,
    upstreamModel: upstreamModelSchema.optional(),
    contextWindow: tokensSchema(100_000_000).optional(),
    maxOutputTokens: tokensSchema(10_000_000).optional(),
    enabled: boolish.optional(),
  })
  .refine((v) => v.upstreamModel !== undefined || v.contextWindow !== undefined || v.maxOutputTokens !== undefined || v.enabled !== undefined, "Nothing to change");
export type SetModelInput = z.input<typeof setModelSchema>;
export type SetModelValues = z.output<typeof setModelSchema>;

export const deprecateModelSchema = z.object({
  id: modelIdSchema,
  sunset: instantSchema,
  replacementId: modelIdSchema,
  force: boolish.default(false),
});
export type DeprecateModelInput = z.input<typeof deprecateModelSchema>;
export type DeprecateModelValues = z.output<typeof deprecateModelSchema>;

export const schedulePriceSchema = z.object({
  id: modelIdSchema,
  inputUsdPerMtok: usdPerMtokSchema,
  outputUsdPerMtok: usdPerMtokSchema,
  cachedInputUsdPerMtok: optionalUsdPerMtok,
  effective: instantSchema,
  force: boolish.default(false),
});
export type SchedulePriceInput = z.input<typeof schedulePriceSchema>;
export type SchedulePriceValues = z.output<typeof schedulePriceSchema>;

export const priceIdSchema = z.string().regex(/^mpr_[0-9A-Za-z]{1,64}$/, "Not a scheduled price id");
