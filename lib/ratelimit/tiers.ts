// The tier table (API terms): per key, by its tier. A key's own daily spend cap overrides the
// tier's default cap; staff-negotiated custom limits override the tier's minute, day and
// concurrency limits. The account's own concurrency limit still applies on top.
import { MICROS_PER_USD } from "@/lib/money";

export interface TierLimits {
  perMinute: number;
  perDay: number;
  concurrency: number;
  dailyCapMicros: bigint;
}

const usd = (n: number) => BigInt(n) * MICROS_PER_USD;

export const TIERS = {
  standard: { perMinute: 30, perDay: 500, concurrency: 3, dailyCapMicros: usd(2) },
  enhanced: { perMinute: 60, perDay: 2_000, concurrency: 5, dailyCapMicros: usd(5) },
  professional: { perMinute: 120, perDay: 10_000, concurrency: 10, dailyCapMicros: usd(15) },
  enterprise: { perMinute: 300, perDay: 100_000, concurrency: 50, dailyCapMicros: usd(500) },
} as const satisfies Record<string, TierLimits>;

export type TierName = keyof typeof TIERS;
export const TIER_NAMES = Object.keys(TIERS) as TierName[];

/** 1 credit = $0.01 (the terms quote caps in credits). */
export const MICROS_PER_CREDIT = BigInt(10_000);

export const TIER_RPM = Object.fromEntries(TIER_NAMES.map((t) => [t, TIERS[t].perMinute])) as { [K in TierName]: (typeof TIERS)[K]["perMinute"] };

export function tierLimits(tier: string): TierLimits {
  return TIERS[tier as TierName] ?? TIERS.standard;
}

export interface KeyLimitSettings {
  tier: string;
  customRpm?: number | null;
  customRpd?: number | null;
  customConcurrency?: number | null;
  dailySpendCapMicros?: bigint | null;
}

export interface EffectiveLimits extends TierLimits {
  /** Which limits come from staff overrides / the key's own cap rather than the tier. */
  custom: { perMinute: boolean; perDay: boolean; concurrency: boolean; dailyCap: boolean };
}

const pos = (v: number | null | undefined): v is number => typeof v === "number" && Number.isInteger(v) && v > 0;

/** A key's limits: the tier's, with the key's cap and staff overrides applied. */
export function effectiveLimits(k: KeyLimitSettings): EffectiveLimits {
  const t = tierLimits(k.tier);
  const cap = k.dailySpendCapMicros ?? null;
  return {
    perMinute: pos(k.customRpm) ? k.customRpm : t.perMinute,
    perDay: pos(k.customRpd) ? k.customRpd : t.perDay,
    concurrency: pos(k.customConcurrency) ? k.customConcurrency : t.concurrency,
    dailyCapMicros: cap !== null && cap > BigInt(0) ? cap : t.dailyCapMicros,
    custom: { perMinute: pos(k.customRpm), perDay: pos(k.customRpd), concurrency: pos(k.customConcurrency), dailyCap: cap !== null && cap > BigInt(0) },
  };
}

/** Requests per minute for a key (kept for callers that only need the minute window). */
export function rpmFor(tier: string, customRpm: number | null | undefined): number {
  return pos(customRpm) ? customRpm : tierLimits(tier).perMinute;
}
