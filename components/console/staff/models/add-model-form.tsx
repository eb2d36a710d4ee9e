"use client";

import { addModelAction } from "@/app/(console)/staff/models/actions";
import { ActionForm, FormField, SubmitButton } from "@/components/forms/action-form";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";

const PROVIDERS = [
  { value: "openai", label: "OpenAI (or compatible)" },
  { value: "anthropic", label: "Anthropic" },
  { value: "mock", label: "Mock upstream" },
];
const KINDS = [
  { value: "chat", label: "Chat" },
  { value: "embedding", label: "Embedding" },
];

/** model:add from the staff area. The model is served within the catalogue cache TTL. */
export function AddModelForm() {
  return (
    <ActionForm action={addModelAction} label="Add a model" resetOnSuccess successMessage={(d) => `Added ${d.id}. The gateway serves it within seconds.`} className="space-y-3">
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
        <FormField name="id" id="add-id" label="Model id" hint="What clients send as model">
          {(a) => <Input {...a} required maxLength={100} autoComplete="off" placeholder="e.g. gpt-4.1-mini" />}
        </FormField>
        <FormField name="provider" id="add-provider" label="Provider">
          {(a) => <Select {...a} options={PROVIDERS} defaultValue="openai" />}
        </FormField>
        <FormField name="upstreamModel" id="add-upstream" label="Upstream model" hint="The provider's own model name">
          {(a) => <Input {...a} required maxLength={200} autoComplete="off" />}
        </FormField>
        <FormField name="kind" id="add-kind" label="Kind">
          {(a) => <Select {...a} options={KINDS} defaultValue="chat" />}
        </FormField>
        <FormField name="inputUsdPerMtok" id="add-in" label="Input USD / Mtok">
          {(a) => <Input {...a} required inputMode="decimal" autoComplete="off" placeholder="0.15" />}
        </FormField>
        <FormField name="outputUsdPerMtok" id="add-out" label="Output USD / Mtok">
          {(a) => <Input {...a} required inputMode="decimal" autoComplete="off" placeholder="0.60" />}
        </FormField>
        <FormField name="cachedInputUsdPerMtok" id="add-cached" label="Cached input USD / Mtok" hint="Optional">
          {(a) => <Input {...a} inputMode="decimal" autoComplete="off" />}
        </FormField>
        <FormField name="contextWindow" id="add-ctx" label="Context window (tokens)">
          {(a) => <Input {...a} required inputMode="numeric" autoComplete="off" />}
        </FormField>
        <FormField name="maxOutputTokens" id="add-max" label="Max output tokens" hint="Embedding models: 1">
          {(a) => <Input {...a} required inputMode="numeric" autoComplete="off" />}
        </FormField>
      </div>
      <SubmitButton pendingText="Adding…">Add model</SubmitButton>
    </ActionForm>
  );
}
