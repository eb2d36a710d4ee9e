"use client";

import { cancelPriceAction, deprecateModelAction, schedulePriceAction, setModelAction, undeprecateModelAction } from "@/app/(console)/staff/models/actions";
import { ActionForm, FormField, SubmitButton } from "@/components/forms/action-form";
import { ConfirmButton } from "@/components/forms/confirm-button";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";

export interface ModelControlValues {
  id: string;
  kind: string;
  upstreamModel: string;
  contextWindow: number;
  maxOutputTokens: number;
  enabled: boolean;
  deprecated: boolean;
  sunsetDay: string | null;
  upcoming: { id: string; effectiveDay: string; label: string }[];
}

const CheckboxField = ({ id, name, label, hint }: { id: string; name: string; label: string; hint: string }) => (
  <div className="flex items-start gap-2">
    <input type="checkbox" id={id} name={name} value="true" aria-describedby={`${id}-hint`} className="mt-0.5 h-4 w-4 rounded border-slate-300 text-indigo-600 focus-visible:outline-2 focus-visible:outline-indigo-600" />
    <div>
      <label htmlFor={id} className="text-sm font-medium text-slate-800">
        {label}
      </label>
      <p id={`${id}-hint`} className="text-xs text-slate-500">
        {hint}
      </p>
    </div>
  </div>
);

/** Limits and availability (prices are scheduled below, with notice). */
export function ModelSettingsForm({ m }: { m: ModelControlValues }) {
  const p = (s: string) => `model-${m.id}-${s}`;
  return (
    <ActionForm action={setModelAction} hidden={{ id: m.id }} label={`Settings of ${m.id}`} successMessage="Saved. The gateway uses the new values within seconds." className="space-y-3">
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <FormField name="upstreamModel" id={p("upstream")} label="Upstream model">
          {(a) => <Input {...a} defaultValue={m.upstreamModel} autoComplete="off" />}
        </FormField>
        <FormField name="contextWindow" id={p("ctx")} label="Context window (tokens)">
          {(a) => <Input {...a} inputMode="numeric" defaultValue={String(m.contextWindow)} autoComplete="off" />}
        </FormField>
        <FormField name="maxOutputTokens" id={p("max")} label="Max output tokens">
          {(a) => <Input {...a} inputMode="numeric" defaultValue={String(m.maxOutputTokens)} autoComplete="off" />}
        </FormField>
        <FormField name="enabled" id={p("enabled")} label="Availability">
          {(a) => (
            <Select
              {...a}
              defaultValue={m.enabled ? "true" : "false"}
              options={[
                { value: "true", label: "Enabled (served)" },
                { value: "false", label: "Disabled" },
              ]}
            />
          )}
        </FormField>
      </div>
      <SubmitButton variant="secondary" pendingText="Saving…">
        Save {m.id}
      </SubmitButton>
    </ActionForm>
  );
}

/** A new price from a future date (≥ 14 days unless forced); customers who used the model are told. */
export function SchedulePriceForm({ m }: { m: ModelControlValues }) {
  const p = (s: string) => `price-${m.id}-${s}`;
  return (
    <div className="space-y-3">
      {m.upcoming.length ? (
        <ul className="space-y-2 text-sm" aria-label={`Scheduled prices of ${m.id}`}>
          {m.upcoming.map((u) => (
            <li key={u.id} className="flex flex-wrap items-center gap-3">
              <span>
                From <time dateTime={u.effectiveDay}>{u.effectiveDay}</time>: {u.label}
              </span>
              <ConfirmButton action={cancelPriceAction} input={{ priceId: u.id }} label="Cancel" title={`Cancel the ${u.effectiveDay} price of ${m.id}?`} confirmLabel="Cancel this price" variant="secondary" />
            </li>
          ))}
        </ul>
      ) : null}
      <ActionForm action={schedulePriceAction} hidden={{ id: m.id }} label={`Schedule a price for ${m.id}`} resetOnSuccess successMessage={(d) => `Scheduled; ${d.notified} account(s) notified.`} className="space-y-3">
        <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
          <FormField name="inputUsdPerMtok" id={p("in")} label="Input USD / Mtok">
            {(a) => <Input {...a} inputMode="decimal" autoComplete="off" />}
          </FormField>
          <FormField name="outputUsdPerMtok" id={p("out")} label="Output USD / Mtok">
            {(a) => <Input {...a} inputMode="decimal" autoComplete="off" />}
          </FormField>
          <FormField name="cachedInputUsdPerMtok" id={p("cached")} label="Cached input USD / Mtok" hint="Optional">
            {(a) => <Input {...a} inputMode="decimal" autoComplete="off" />}
          </FormField>
          <FormField name="effective" id={p("effective")} label="Effective from (UTC)" hint="At least 14 days ahead">
            {(a) => <Input {...a} type="date" />}
          </FormField>
        </div>
        <CheckboxField id={p("force")} name="force" label="Less than 14 days' notice" hint="Overrides the notice period; recorded in the audit log." />
        <SubmitButton variant="secondary" pendingText="Scheduling…">
          Schedule price
        </SubmitButton>
      </ActionForm>
    </div>
  );
}

/** Deprecate with a sunset and a replacement, or undo a deprecation. */
export function LifecycleForm({ m, replacements }: { m: ModelControlValues; replacements: string[] }) {
  const p = (s: string) => `life-${m.id}-${s}`;
  if (m.deprecated) {
    return (
      <div className="flex flex-wrap items-center gap-3 text-sm">
        <span>
          Deprecated; retires on <time dateTime={m.sunsetDay ?? undefined}>{m.sunsetDay}</time>.
        </span>
        <ConfirmButton
          action={undeprecateModelAction}
          input={{ id: m.id }}
          label="Undo deprecation"
          title={`Undo the deprecation of ${m.id}?`}
          description="Calls stop carrying Deprecation and Sunset headers and the model stays available."
          confirmLabel="Undo deprecation"
          variant="secondary"
        />
      </div>
    );
  }
  return (
    <ActionForm action={deprecateModelAction} hidden={{ id: m.id }} label={`Deprecate ${m.id}`} successMessage={(d) => `Deprecated; ${d.notified} account(s) notified.`} className="space-y-3">
      <div className="grid gap-3 sm:grid-cols-2">
        <FormField name="sunset" id={p("sunset")} label="Sunset (UTC)" hint="At least 30 days ahead; after it calls answer 410">
          {(a) => <Input {...a} type="date" />}
        </FormField>
        <FormField name="replacementId" id={p("replacement")} label="Replacement">
          {(a) => <Select {...a} options={replacements.filter((r) => r !== m.id).map((r) => ({ value: r, label: r }))} />}
        </FormField>
      </div>
      <CheckboxField id={p("force")} name="force" label="Less than 30 days' notice" hint="Overrides the notice period; recorded in the audit log." />
      <SubmitButton variant="danger" pendingText="Deprecating…">
        Deprecate {m.id}
      </SubmitButton>
    </ActionForm>
  );
}
