// Money for one call (SPEC §2): a conservative hold before forwarding (clamped atomically by
// placeHold's min/max), then the charge the outcome calls for.
import type { UsageSource } from "@/lib/ledger";
import type { ModelRow } from "@/lib/models";
import { ceilDiv, costMicros } from "@/lib/money";
import { gatewayConfig } from "./config";

export const MIN_OUTPUT_TOKENS = 16;

export interface Usage {
  inputTokens: number; // uncached input
  cachedInputTokens?: number; // cache reads
  cacheWriteTokens?: number; // Anthropic cache creation (1.25 × input price)
  outputTokens: number;
}

export function totalInput(u: Usage): number {
  return u.inputTokens + (u.cachedInputTokens ?? 0) + (u.cacheWriteTokens ?? 0);
}

/** Provider-equivalent cost of a usage: ceil(Σ tokens × price / 1e6). */
export function usageCost(model: ModelRow, u: Usage): bigint {
  const ip = model.inputPriceMicrosPerMtok;
  const cp = model.cachedInputPriceMicrosPerMtok ?? ip;
  const four = BigInt(4);
  // Everything ×4 keeps the 1.25 multiplier integral; one ceil at the end.
  const quarter =
    BigInt(u.inputTokens) * ip * four +
    BigInt(u.cachedInputTokens ?? 0) * cp * four +
    BigInt(u.cacheWriteTokens ?? 0) * ip * BigInt(5) +
    BigInt(u.outputTokens) * model.outputPriceMicrosPerMtok * four;
  return ceilDiv(quarter, BigInt(4_000_000));
}

/** BYOK platform fee: 5 % of the equivalent cost, at least BYOK_MIN_FEE_MICROS. */
export function byokFee(equivalentMicros: bigint): bigint {
  const pct = ceilDiv(equivalentMicros * BigInt(gatewayConfig.byokFeeBps()), BigInt(10_000));
  const min = gatewayConfig.byokMinFeeMicros();
  return pct > min ? pct : min;
}

/** What we would charge for `in`/`out` tokens (the fee for BYOK calls); ≥ 1 so holds are valid. */
export function priceFor(model: ModelRow, inputTokens: number, outputTokens: number, byok: boolean): bigint {
  const cost = costMicros(inputTokens, outputTokens, model.inputPriceMicrosPerMtok, model.outputPriceMicrosPerMtok);
  const v = byok ? byokFee(cost) : cost;
  return v > BigInt(0) ? v : BigInt(1);
}

export interface HoldPlan {
  minMicros: bigint;
  maxMicros: bigint;
  /** Output tokens per choice the full hold covers. */
  maxOutput: number;
  clientSetMax: boolean;
}

/**
 * Hold bounds. `choices` multiplies output (OpenAI `n`). With a client max the hold is exactly
 * its cost; without one, anything between 16 tokens and the model max will do and the gateway
 * sends the clamped max_tokens upstream.
 */
export function planHold(model: ModelRow, inputEstimate: number, requestedMax: number | null, choices: number, byok: boolean): HoldPlan {
  const maxOutput = requestedMax ?? model.maxOutputTokens;
  const maxMicros = priceFor(model, inputEstimate, maxOutput * choices, byok);
  if (requestedMax !== null) return { minMicros: maxMicros, maxMicros, maxOutput, clientSetMax: true };
  const floor = Math.min(MIN_OUTPUT_TOKENS, maxOutput);
  return { minMicros: priceFor(model, inputEstimate, floor * choices, byok), maxMicros, maxOutput, clientSetMax: false };
}

/** Largest output (per choice) whose price fits in `amount` (≥ the 16-token floor the hold guaranteed). */
export function affordableOutput(model: ModelRow, inputEstimate: number, amount: bigint, maxOutput: number, choices: number, byok: boolean): number {
  let lo = Math.min(MIN_OUTPUT_TOKENS, maxOutput);
  let hi = maxOutput;
  if (priceFor(model, inputEstimate, hi * choices, byok) <= amount) return hi;
  while (lo < hi) {
    const mid = Math.floor((lo + hi + 1) / 2);
    if (priceFor(model, inputEstimate, mid * choices, byok) <= amount) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export type { UsageSource };

export interface Charge {
  chargeMicros: bigint;
  byokFeeMicros: bigint;
  usageSource: UsageSource;
  inputTokens: number;
  outputTokens: number;
}

export const NO_CHARGE: Charge = { chargeMicros: BigInt(0), byokFeeMicros: BigInt(0), usageSource: "none", inputTokens: 0, outputTokens: 0 };

function split(amount: bigint, byok: boolean): { chargeMicros: bigint; byokFeeMicros: bigint } {
  return byok ? { chargeMicros: BigInt(0), byokFeeMicros: amount } : { chargeMicros: amount, byokFeeMicros: BigInt(0) };
}

/** Upstream reported usage: charge it (may exceed the hold; the ledger records the overage). */
export function chargeReported(model: ModelRow, u: Usage, byok: boolean): Charge {
  const cost = usageCost(model, u);
  const amount = byok ? byokFee(cost) : cost;
  return { ...split(amount, byok), usageSource: "reported", inputTokens: totalInput(u), outputTokens: u.outputTokens };
}

/** Client abort or broken stream: input estimate + delivered output, never above the hold. */
export function chargeEstimated(model: ModelRow, inputEstimate: number, deliveredTokens: number, holdMicros: bigint, byok: boolean): Charge {
  const cost = costMicros(inputEstimate, deliveredTokens, model.inputPriceMicrosPerMtok, model.outputPriceMicrosPerMtok);
  let amount = byok ? byokFee(cost) : cost;
  if (amount > holdMicros) amount = holdMicros;
  return { ...split(amount, byok), usageSource: "estimated", inputTokens: inputEstimate, outputTokens: deliveredTokens };
}

/** Success without usage: charge the whole hold, never 0. */
export function chargeHold(holdMicros: bigint, inputEstimate: number, outputTokens: number, byok: boolean): Charge {
  return { ...split(holdMicros, byok), usageSource: "hold", inputTokens: inputEstimate, outputTokens };
}
