// GET /models and /models/{id} bodies: OpenAI's list shape (or Anthropic's, for its SDK), with
// prices in force now, upcoming scheduled prices and the lifecycle fields.
import { microsToUsdNumber } from "@/lib/money";
import type { ServedModel } from "./catalogue";
import { lifecycleState } from "./lifecycle";
import type { PriceSet } from "./prices";

function pricing(p: PriceSet) {
  const out: Record<string, number> = {
    input_per_mtok_usd: microsToUsdNumber(p.inputPriceMicrosPerMtok),
    output_per_mtok_usd: microsToUsdNumber(p.outputPriceMicrosPerMtok),
  };
  if (p.cachedInputPriceMicrosPerMtok !== null) out.cached_input_per_mtok_usd = microsToUsdNumber(p.cachedInputPriceMicrosPerMtok);
  return out;
}

function common(m: ServedModel, now: Date) {
  return {
    kind: m.kind,
    provider: m.provider,
    context_window: m.contextWindow,
    max_output_tokens: m.kind === "chat" ? m.maxOutputTokens : null,
    pricing: pricing(m),
    upcoming_pricing: m.upcoming.map((p) => ({ effective_at: p.effectiveAt.toISOString(), ...pricing(p) })),
    lifecycle: lifecycleState(m, now),
    deprecated_at: m.deprecatedAt?.toISOString() ?? null,
    sunset_at: m.sunsetAt?.toISOString() ?? null,
    replacement: m.replacementId,
  };
}

export function openaiModel(m: ServedModel, now: Date) {
  return { id: m.id, object: "model", created: Math.floor(m.createdAt.getTime() / 1000), owned_by: m.provider, ...common(m, now) };
}

export function anthropicModel(m: ServedModel, now: Date) {
  return { type: "model", id: m.id, display_name: m.id, created_at: m.createdAt.toISOString(), ...common(m, now) };
}

export function modelsListBody(list: ServedModel[], anthropic: boolean, now: Date = new Date()) {
  if (anthropic) {
    const data = list.map((m) => anthropicModel(m, now));
    return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  }
  return { object: "list", data: list.map((m) => openaiModel(m, now)) };
}
