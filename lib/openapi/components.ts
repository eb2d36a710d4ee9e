// Shapes the OpenAPI document shares between paths: error bodies, standard headers, and the
// responses of the read-only endpoints. Request bodies are NOT here: the document uses the very
// schemas the gateway validates with (lib/gateway/schemas.ts).
import { z } from "zod";
import { ERROR_STATUS } from "@/lib/errors";
import { LEDGER_ENTRY_TYPES } from "@/lib/ledger/types";

const errorCode = z.enum(Object.keys(ERROR_STATUS) as [keyof typeof ERROR_STATUS, ...(keyof typeof ERROR_STATUS)[]]);

const flat = {
  code: errorCode.describe("Stable machine-readable error code (see the table in the guide)"),
  status: z.number().int().describe("The HTTP status, repeated in the body"),
  request_id: z.string().describe("The request id; also in the X-Request-Id header. Quote it to support."),
  retry_after: z.number().optional().describe("Seconds to wait before retrying (429, some 503)"),
};

export const openAiErrorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string().describe("OpenAI-style family: invalid_request_error, authentication_error, insufficient_quota, rate_limit_error, …"),
      code: errorCode,
      param: z.string().nullable(),
    }),
    ...flat,
  })
  .meta({ id: "Error", description: "Error body of every endpoint except /messages (OpenAI's shape plus flat fields)" });

export const anthropicErrorSchema = z
  .object({
    type: z.literal("error"),
    error: z.object({ type: z.string().describe("Anthropic's error type: invalid_request_error, billing_error, rate_limit_error, …"), message: z.string() }),
    ...flat,
  })
  .meta({ id: "AnthropicError", description: "Error body of /messages (and of any call sending anthropic-version)" });

const pricing = z.object({
  input_per_mtok_usd: z.number(),
  output_per_mtok_usd: z.number(),
  cached_input_per_mtok_usd: z.number().optional(),
});

export const modelListSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(
      z.object({
        id: z.string(),
        object: z.literal("model"),
        created: z.number().int(),
        owned_by: z.string(),
        kind: z.enum(["chat", "embedding"]),
        provider: z.string(),
        context_window: z.number().int(),
        max_output_tokens: z.number().int().nullable(),
        pricing,
        upcoming_pricing: z.array(pricing.extend({ effective_at: z.string().describe("When this price takes effect (ISO 8601, UTC)") })).describe("Scheduled prices, soonest first"),
        lifecycle: z.enum(["active", "deprecated"]),
        deprecated_at: z.string().nullable(),
        sunset_at: z.string().nullable().describe("After this instant calls answer 410 MODEL_SUNSET"),
        replacement: z.string().nullable().describe("The suggested successor model"),
      }),
    ),
  })
  .meta({ id: "ModelList", description: "OpenAI's list shape (with anthropic-version, Anthropic's: data[].type='model', has_more, first_id, last_id)" });

export const modelSchema = modelListSchema.shape.data.element.meta({ id: "Model", description: "One model (Anthropic's shape with anthropic-version)" });

const usdAndMicros = (name: string) => ({
  [`${name}_usd`]: z.number().describe("Dollars as a JSON number (exact to the micro-dollar)"),
  [`${name}_micros`]: z.string().regex(/^-?\d+$/).describe("Exact micro-dollars as a decimal string"),
});

export const creditsSchema = z
  .object({
    object: z.literal("credits"),
    ...usdAndMicros("balance"),
    ...usdAndMicros("held"),
    ...usdAndMicros("available"),
    ...usdAndMicros("expiring_next_30_days"),
    lots: z
      .array(z.object({ id: z.string(), kind: z.enum(["paid", "grant", "promo"]), remaining: z.number(), remaining_micros: z.string(), expires_at: z.string() }))
      .describe("Credit lots still holding funds, soonest expiry first (charges draw on them in this order)"),
  })
  .meta({ id: "Credits", description: "available = balance − held (held: pre-authorisations of calls in flight)" });

const usageDay = z.object({
  date: z.string().describe("UTC day, YYYY-MM-DD"),
  requests: z.number().int(),
  errors: z.number().int(),
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  ...usdAndMicros("cost"),
});

const usageGroup = usageDay.omit({ date: true }).extend({
  model: z.string().nullable().optional().describe("group_by=model"),
  key_id: z.string().nullable().optional().describe("group_by=key"),
  key_name: z.string().nullable().optional(),
});

export const usageSchema = z
  .object({
    object: z.literal("usage"),
    days: z.number().int(),
    group_by: z.enum(["model", "key"]).optional(),
    data: z.array(usageDay.extend({ breakdown: z.array(usageGroup).optional().describe("Per model or per key, with group_by") })),
    totals: usageDay.omit({ date: true }),
  })
  .meta({ id: "Usage" });

export const requestRecordSchema = z
  .object({
    id: z.string(),
    object: z.literal("request"),
    created_at: z.string(),
    completed_at: z.string().nullable(),
    key_id: z.string().nullable(),
    client_request_id: z.string().nullable().describe("The caller's own id (X-Client-Request-Id, or an X-Request-Id it sent)"),
    method: z.string(),
    path: z.string(),
    model: z.string().nullable(),
    endpoint: z.string().describe("Route name: chat.completions, messages, embeddings, models, credits, usage, requests, ..."),
    stream: z.boolean(),
    status: z.number().int().nullable(),
    error_code: z.string().nullable(),
    usage_source: z.string().describe("Where the token counts came from: the provider's usage, Tollgate's estimate, or none"),
    tokens: z.object({ input: z.number().int(), output: z.number().int() }),
    input_tokens: z.number().int(),
    output_tokens: z.number().int(),
    ...usdAndMicros("cost"),
    ...usdAndMicros("hold"),
    overage_micros: z.string().describe("Charged beyond the hold (at most the gateway's per-call overage bound)"),
    latency_ms: z.number().int().nullable(),
    ttfb_ms: z.number().int().nullable(),
    max_tokens_clamped: z.number().int().nullable().describe("The max_tokens Tollgate set because the caller gave none and credit was short"),
    byok: z.boolean(),
  })
  .meta({ id: "RequestRecord", description: "Metadata of one call (never its content)" });

export const requestListSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(requestRecordSchema),
    has_more: z.boolean(),
    next_cursor: z.string().nullable().describe("Pass as cursor for the next (older) page"),
  })
  .meta({ id: "RequestList", description: "Requests of the account, newest first" });

export const transactionsSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(
      z.object({
        id: z.string(),
        object: z.literal("credit_transaction"),
        created_at: z.string(),
        type: z.enum(LEDGER_ENTRY_TYPES),
        amount: z.number().describe("Signed dollars"),
        amount_micros: z.string(),
        balance_after: z.number(),
        balance_after_micros: z.string(),
        request_id: z.string().nullable(),
        description: z.string().nullable(),
      }),
    ),
    limit: z.number().int(),
    offset: z.number().int(),
    as_of: z.string().describe("The snapshot this page was read from; pass it back so later pages ignore newer entries"),
    has_more: z.boolean(),
    next: z.string().nullable(),
  })
  .meta({ id: "CreditTransactions", description: "Ledger entries of the account, newest first" });

export const healthSchema = z
  .object({ status: z.enum(["ok", "degraded"]), db: z.enum(["ok", "error"]), redis: z.enum(["ok", "error"]) })
  .meta({ id: "Health" });

/** A model call's answer is the provider's own body (OpenAI or Anthropic shape), passed through. */
export const passthroughSchema = z.looseObject({}).meta({ id: "ProviderResponse", description: "The provider's response body, unchanged (OpenAI or Anthropic shape). With stream: true, text/event-stream." });

export const rateLimitHeaders = {
  "X-RateLimit-Limit": { description: "Requests per minute allowed for this key's tier", schema: { type: "integer" as const } },
  "X-RateLimit-Remaining": { description: "Requests left in the current window", schema: { type: "integer" as const } },
  "X-RateLimit-Reset": { description: "Unix time (seconds) when the window frees up", schema: { type: "integer" as const } },
  "X-RateLimit-Limit-Day": { description: "Requests per UTC day allowed for this key", schema: { type: "integer" as const } },
  "X-RateLimit-Remaining-Day": { description: "Requests left today (UTC)", schema: { type: "integer" as const } },
  "X-RateLimit-Reset-Day": { description: "Unix time (seconds) of the next UTC midnight", schema: { type: "integer" as const } },
  "RateLimit-Policy": { description: 'IETF quota policies, e.g. "minute";q=30;w=60, "day";q=500;w=86400', schema: { type: "string" as const } },
  RateLimit: { description: 'IETF remaining quota of the tightest window, e.g. "minute";r=12;t=41', schema: { type: "string" as const } },
};

export const requestIdHeader = {
  "X-Request-Id": { description: "The request id (yours if you sent a valid X-Request-Id, else generated)", schema: { type: "string" as const } },
};

export const creditHeaders = {
  "X-Credit-Balance-Usd": { description: "The account balance after this call's charge, exact decimal dollars", schema: { type: "string" as const } },
  "X-Credit-Expiring-Soon": { description: "Present (true) when credits expire within 30 days", schema: { type: "string" as const } },
};
