import type { Metadata } from "next";
import { AddModelForm } from "@/components/console/staff/models/add-model-form";
import { LifecycleForm, ModelSettingsForm, SchedulePriceForm, type ModelControlValues } from "@/components/console/staff/models/model-controls";
import { usdPrecise } from "@/components/pricing/format";
import { Badge } from "@/components/ui/badge";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { lifecycleState } from "@/lib/models";
import { listModelsForStaff } from "@/lib/staff";
import { staffAccess } from "../../_lib/context";

export const metadata: Metadata = { title: "Models (staff)" };

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : null);

export default async function StaffModelsPage() {
  const { db, staff } = await staffAccess();
  const now = new Date();
  const models = await listModelsForStaff(db, staff, now);
  const replacementsFor = (kind: string) => models.filter((x) => x.enabled && x.kind === kind && lifecycleState(x, now) === "active").map((x) => x.id);
  return (
    <div className="space-y-6">
      <PageHeader
        title="Models"
        description="The catalogue the gateway serves. Changes are audited and reach every instance within seconds. Prices change only on a scheduled date, announced to the customers who use the model."
      />
      <Card>
        <CardHeader title="Add a model" level={2} />
        <CardBody>
          <AddModelForm />
        </CardBody>
      </Card>
      {models.length === 0 ? (
        <Card>
          <EmptyState title="No models">Add one above, or start the server once to seed db/seed/models.json.</EmptyState>
        </Card>
      ) : (
        models.map((m) => {
          const state = lifecycleState(m, now);
          const values: ModelControlValues = {
            id: m.id,
            kind: m.kind,
            upstreamModel: m.upstreamModel,
            contextWindow: m.contextWindow,
            maxOutputTokens: m.maxOutputTokens,
            enabled: m.enabled,
            deprecated: state !== "active",
            sunsetDay: day(m.sunsetAt),
            upcoming: m.upcoming.map((u) => ({ id: u.id, effectiveDay: u.effectiveAt.toISOString().slice(0, 16).replace("T", " "), label: `${usdPrecise(u.inputPriceMicrosPerMtok)} in / ${usdPrecise(u.outputPriceMicrosPerMtok)} out` })),
          };
          return (
            <Card key={m.id} aria-labelledby={`model-${m.id}-title`}>
              <CardHeader
                title={
                  <span id={`model-${m.id}-title`} className="font-mono">
                    {m.id}
                  </span>
                }
                description={`${m.provider} · ${m.upstreamModel} · ${m.kind} · now ${usdPrecise(m.inputPriceMicrosPerMtok)} in / ${usdPrecise(m.outputPriceMicrosPerMtok)} out per Mtok${m.cachedInputPriceMicrosPerMtok !== null ? ` (cached ${usdPrecise(m.cachedInputPriceMicrosPerMtok)})` : ""}`}
                actions={
                  <>
                    {m.enabled ? <Badge tone="green">Enabled</Badge> : <Badge>Disabled</Badge>}
                    {state === "deprecated" ? <Badge tone="amber">Deprecated</Badge> : state === "sunset" ? <Badge tone="red">Retired</Badge> : null}
                  </>
                }
              />
              <CardBody className="space-y-6">
                <section aria-label={`Settings of ${m.id}`}>
                  <ModelSettingsForm m={values} />
                </section>
                <section aria-label={`Prices of ${m.id}`} className="border-t border-slate-200 pt-4">
                  <h3 className="mb-2 text-sm font-semibold text-slate-900">Scheduled prices</h3>
                  <SchedulePriceForm m={values} />
                </section>
                <section aria-label={`Lifecycle of ${m.id}`} className="border-t border-slate-200 pt-4">
                  <h3 className="mb-2 text-sm font-semibold text-slate-900">Lifecycle</h3>
                  <LifecycleForm m={values} replacements={replacementsFor(m.kind)} />
                </section>
              </CardBody>
            </Card>
          );
        })
      )}
    </div>
  );
}
