// Catalogue commands: model:add / model:set / model:disable / model:deprecate (--undo) /
// model:price (schedule, --cancel) / model:list. The same lib functions back the staff area.
import { asc } from "drizzle-orm";
import { modelPrices, models } from "@/db/schema";
import { getDb } from "@/lib/db";
import { addModel, cancelScheduledPrice, deprecateModel, disableModel, schedulePrice, setModel, undeprecateModel } from "@/lib/models";
import { microsToUsdExact } from "@/lib/money";
import { CliError, optionalFlag, printJson, requireFlag, type CliCommand, type Flags } from "../types";

const CLI = { kind: "cli" } as const;

function bool(flags: Flags, name: string): boolean {
  const v = flags[name];
  if (v === undefined || v === false) return false;
  if (v === true || v === "true") return true;
  throw new CliError(`--${name} takes no value`);
}

const usd = (m: bigint | null) => (m === null ? null : microsToUsdExact(m));

function view(m: typeof models.$inferSelect) {
  return {
    id: m.id,
    provider: m.provider,
    upstream_model: m.upstreamModel,
    kind: m.kind,
    input_usd_per_mtok: usd(m.inputPriceMicrosPerMtok),
    output_usd_per_mtok: usd(m.outputPriceMicrosPerMtok),
    cached_input_usd_per_mtok: usd(m.cachedInputPriceMicrosPerMtok),
    context_window: m.contextWindow,
    max_output_tokens: m.maxOutputTokens,
    enabled: m.enabled,
    deprecated_at: m.deprecatedAt?.toISOString() ?? null,
    sunset_at: m.sunsetAt?.toISOString() ?? null,
    replacement: m.replacementId,
  };
}

export const commands: Record<string, CliCommand> = {
  "model:add": {
    usage:
      "--model ID --provider openai|anthropic|mock --upstream-model M --input-usd-per-mtok X --output-usd-per-mtok Y --context-window N --max-output-tokens N [--kind chat|embedding] [--cached-input-usd-per-mtok Z] [--disabled]  add a model (live within the catalogue cache TTL)",
    async run(flags) {
      const m = await addModel(await getDb(), CLI, {
        id: requireFlag(flags, "model"),
        provider: requireFlag(flags, "provider"),
        upstreamModel: requireFlag(flags, "upstream-model"),
        kind: (optionalFlag(flags, "kind") ?? "chat"),
        inputUsdPerMtok: requireFlag(flags, "input-usd-per-mtok"),
        outputUsdPerMtok: requireFlag(flags, "output-usd-per-mtok"),
        cachedInputUsdPerMtok: optionalFlag(flags, "cached-input-usd-per-mtok"),
        contextWindow: requireFlag(flags, "context-window"),
        maxOutputTokens: requireFlag(flags, "max-output-tokens"),
        enabled: !bool(flags, "disabled"),
      });
      printJson(view(m));
    },
  },
  "model:set": {
    usage: "--model ID [--upstream-model M] [--context-window N] [--max-output-tokens N] [--enabled true|false]  change a model (prices: model:price)",
    async run(flags) {
      const enabled = optionalFlag(flags, "enabled");
      if (enabled !== undefined && enabled !== "true" && enabled !== "false") throw new CliError("--enabled is true or false");
      const m = await setModel(await getDb(), CLI, {
        id: requireFlag(flags, "model"),
        upstreamModel: optionalFlag(flags, "upstream-model"),
        contextWindow: optionalFlag(flags, "context-window"),
        maxOutputTokens: optionalFlag(flags, "max-output-tokens"),
        enabled: enabled === undefined ? undefined : enabled === "true",
      });
      printJson(view(m));
    },
  },
  "model:disable": {
    usage: "--model ID  stop serving a model (model:set --enabled true brings it back)",
    async run(flags) {
      printJson(view(await disableModel(await getDb(), CLI, requireFlag(flags, "model"))));
    },
  },
  "model:deprecate": {
    usage: "--model ID --sunset YYYY-MM-DD --replacement ID [--force] | --model ID --undo  deprecate (sunset ≥ 30 days away unless --force) or undo",
    async run(flags) {
      const db = await getDb();
      const id = requireFlag(flags, "model");
      if (bool(flags, "undo")) {
        if (flags.sunset !== undefined || flags.replacement !== undefined) throw new CliError("--undo takes no --sunset or --replacement");
        printJson(view(await undeprecateModel(db, CLI, id)));
        return;
      }
      const r = await deprecateModel(db, CLI, { id, sunset: requireFlag(flags, "sunset"), replacementId: requireFlag(flags, "replacement"), force: bool(flags, "force") });
      printJson({ ...view(r.model), accounts_notified: r.notified });
    },
  },
  "model:price": {
    usage:
      "--model ID --input-usd-per-mtok X --output-usd-per-mtok Y [--cached-input-usd-per-mtok Z] --effective YYYY-MM-DD|ISO [--force] | --cancel mpr_…  schedule a price (≥ 14 days out unless --force) or cancel one",
    async run(flags) {
      const db = await getDb();
      const cancel = optionalFlag(flags, "cancel");
      if (cancel) {
        const p = await cancelScheduledPrice(db, CLI, cancel);
        printJson({ id: p.id, model: p.modelId, cancelled_at: p.cancelledAt?.toISOString() });
        return;
      }
      const { price, notified } = await schedulePrice(db, CLI, {
        id: requireFlag(flags, "model"),
        inputUsdPerMtok: requireFlag(flags, "input-usd-per-mtok"),
        outputUsdPerMtok: requireFlag(flags, "output-usd-per-mtok"),
        cachedInputUsdPerMtok: optionalFlag(flags, "cached-input-usd-per-mtok"),
        effective: requireFlag(flags, "effective"),
        force: bool(flags, "force"),
      });
      printJson({
        id: price.id,
        model: price.modelId,
        effective_at: price.effectiveAt.toISOString(),
        input_usd_per_mtok: usd(price.inputPriceMicrosPerMtok),
        output_usd_per_mtok: usd(price.outputPriceMicrosPerMtok),
        cached_input_usd_per_mtok: usd(price.cachedInputPriceMicrosPerMtok),
        accounts_notified: notified,
      });
    },
  },
  "model:list": {
    usage: "list every model (enabled or not) with its lifecycle and scheduled prices",
    async run() {
      const db = await getDb();
      const [all, prices] = await Promise.all([db.select().from(models).orderBy(asc(models.id)), db.select().from(modelPrices).orderBy(asc(modelPrices.effectiveAt))]);
      printJson(
        all.map((m) => ({
          ...view(m),
          scheduled_prices: prices
            .filter((p) => p.modelId === m.id && p.cancelledAt === null)
            .map((p) => ({ id: p.id, effective_at: p.effectiveAt.toISOString(), input_usd_per_mtok: usd(p.inputPriceMicrosPerMtok), output_usd_per_mtok: usd(p.outputPriceMicrosPerMtok) })),
        })),
      );
    },
  },
};
