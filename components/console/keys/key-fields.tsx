"use client";

import { FormField } from "@/components/forms/action-form";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";

export const TIER_OPTIONS = [
  { value: "standard", label: "Standard — 30 requests/min" },
  { value: "enhanced", label: "Enhanced — 60 requests/min" },
  { value: "professional", label: "Professional — 120 requests/min" },
  { value: "enterprise", label: "Enterprise — 300 requests/min" },
] as const;

/** Tier and spending limits, shared by the create and edit forms. */
export function KeyLimitFields({ defaults }: { defaults?: { tier?: string; dailySpendCapUsd?: string; creditLimitUsd?: string } }) {
  return (
    <>
      <FormField name="tier" label="Rate limit tier" hint="Changes apply immediately to requests with this key.">
        {(a) => <Select {...a} defaultValue={defaults?.tier ?? "standard"} options={TIER_OPTIONS} />}
      </FormField>
      <div className="grid gap-4 sm:grid-cols-2">
        <FormField name="dailySpendCapUsd" label="Daily spend cap (USD)" hint="Per UTC day. Empty = no cap.">
          {(a) => <Input {...a} inputMode="decimal" placeholder="e.g. 10" defaultValue={defaults?.dailySpendCapUsd ?? ""} autoComplete="off" />}
        </FormField>
        <FormField name="creditLimitUsd" label="Lifetime credit limit (USD)" hint="Total this key may spend. Empty = no limit.">
          {(a) => <Input {...a} inputMode="decimal" placeholder="e.g. 100" defaultValue={defaults?.creditLimitUsd ?? ""} autoComplete="off" />}
        </FormField>
      </div>
    </>
  );
}
