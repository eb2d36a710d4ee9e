"use client";

import { FormField } from "@/components/forms/action-form";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { MICROS_PER_USD } from "@/lib/money";
import { TIER_NAMES, TIERS } from "@/lib/ratelimit/tiers";

const usd = (micros: bigint) => `$${(micros / MICROS_PER_USD).toString()}`;

export const TIER_OPTIONS = TIER_NAMES.map((t) => ({
  value: t,
  label: `${t[0].toUpperCase()}${t.slice(1)} — ${TIERS[t].perMinute}/min, ${TIERS[t].perDay.toLocaleString("en-US")}/day, ${TIERS[t].concurrency} concurrent, ${usd(TIERS[t].dailyCapMicros)}/day cap`,
}));

/** Tier and spending limits, shared by the create and edit forms. */
export function KeyLimitFields({ defaults }: { defaults?: { tier?: string; dailySpendCapUsd?: string; creditLimitUsd?: string } }) {
  return (
    <>
      <FormField name="tier" label="Rate limit tier" hint="Changes apply immediately to requests with this key.">
        {(a) => <Select {...a} defaultValue={defaults?.tier ?? "standard"} options={TIER_OPTIONS} />}
      </FormField>
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField name="dailySpendCapUsd" label="Daily spend cap (USD)" hint="Per UTC day. Empty = the tier's default cap.">
          {(a) => <Input {...a} inputMode="decimal" placeholder="e.g. 10" defaultValue={defaults?.dailySpendCapUsd ?? ""} autoComplete="off" />}
        </FormField>
        <FormField name="creditLimitUsd" label="Lifetime credit limit (USD)" hint="Total this key may spend. Empty = no limit.">
          {(a) => <Input {...a} inputMode="decimal" placeholder="e.g. 100" defaultValue={defaults?.creditLimitUsd ?? ""} autoComplete="off" />}
        </FormField>
      </div>
    </>
  );
}
