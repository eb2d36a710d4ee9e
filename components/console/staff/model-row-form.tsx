"use client";

import { updateModelAction } from "@/app/(console)/staff/actions";
import { ActionForm, FormField, SubmitButton } from "@/components/forms/action-form";
import { Input } from "@/components/ui/input";
import { formatUsd } from "@/lib/money";

export interface ModelFormValues {
  id: string;
  provider: string;
  upstreamModel: string;
  kind: string;
  inputPriceMicrosPerMtok: string;
  outputPriceMicrosPerMtok: string;
  cachedInputPriceMicrosPerMtok: string;
  contextWindow: number;
  maxOutputTokens: number;
  enabled: boolean;
}

/** One model's prices and limits. Prices are whole micro-USD per million tokens. */
export function ModelRowForm({ m }: { m: ModelFormValues }) {
  const p = (s: string) => `model-${m.id}-${s}`;
  return (
    <ActionForm action={updateModelAction} hidden={{ id: m.id }} label={`Edit ${m.id}`} successMessage="Saved. The gateway uses the new values within seconds." className="space-y-3">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 className="font-mono text-sm font-semibold text-slate-900">{m.id}</h3>
        <p className="text-xs text-slate-600">
          {m.provider} · {m.upstreamModel} · {m.kind}
        </p>
      </div>
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
        <FormField name="inputPriceMicrosPerMtok" id={p("in")} label="Input µUSD / Mtok" hint={`= ${formatUsd(BigInt(m.inputPriceMicrosPerMtok))} per million`}>
          {(a) => <Input {...a} inputMode="numeric" defaultValue={m.inputPriceMicrosPerMtok} autoComplete="off" />}
        </FormField>
        <FormField name="outputPriceMicrosPerMtok" id={p("out")} label="Output µUSD / Mtok" hint={`= ${formatUsd(BigInt(m.outputPriceMicrosPerMtok))} per million`}>
          {(a) => <Input {...a} inputMode="numeric" defaultValue={m.outputPriceMicrosPerMtok} autoComplete="off" />}
        </FormField>
        <FormField name="cachedInputPriceMicrosPerMtok" id={p("cached")} label="Cached input µUSD / Mtok" hint="Optional">
          {(a) => <Input {...a} inputMode="numeric" defaultValue={m.cachedInputPriceMicrosPerMtok} autoComplete="off" />}
        </FormField>
        <FormField name="contextWindow" id={p("ctx")} label="Context window (tokens)">
          {(a) => <Input {...a} inputMode="numeric" defaultValue={String(m.contextWindow)} autoComplete="off" />}
        </FormField>
        <FormField name="maxOutputTokens" id={p("max")} label="Max output tokens">
          {(a) => <Input {...a} inputMode="numeric" defaultValue={String(m.maxOutputTokens)} autoComplete="off" />}
        </FormField>
        <div className="flex items-end gap-2 pb-2">
          <input type="checkbox" id={p("enabled")} name="enabled" value="true" defaultChecked={m.enabled} className="h-4 w-4 rounded border-slate-300 text-indigo-600 focus-visible:outline-2 focus-visible:outline-indigo-600" />
          <label htmlFor={p("enabled")} className="text-sm font-medium text-slate-800">
            Enabled
          </label>
        </div>
      </div>
      <SubmitButton pendingText="Saving…">Save {m.id}</SubmitButton>
    </ActionForm>
  );
}
