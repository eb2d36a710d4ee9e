// Requests per minute per key, by tier; a staff-set custom RPM overrides the tier.
export const TIER_RPM = {
  standard: 30,
  enhanced: 60,
  professional: 120,
  enterprise: 300,
} as const;

export function rpmFor(tier: string, customRpm: number | null | undefined): number {
  if (customRpm && customRpm > 0) return customRpm;
  return TIER_RPM[tier as keyof typeof TIER_RPM] ?? TIER_RPM.standard;
}
