import type { Metadata } from "next";
import { ModelRowForm } from "@/components/console/staff/model-row-form";
import { Card, CardBody } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { listModelsForStaff } from "@/lib/staff";
import { staffAccess } from "../../_lib/context";

export const metadata: Metadata = { title: "Model prices (staff)" };

export default async function StaffModelsPage() {
  const { db, staff } = await staffAccess();
  const models = await listModelsForStaff(db, staff);
  return (
    <div className="space-y-6">
      <PageHeader
        title="Model prices"
        description="Prices are whole micro-USD per million tokens (1,000,000 = $1.00 per Mtok). Changes are audited and apply to new requests; past charges never change."
      />
      {models.length === 0 ? (
        <Card>
          <EmptyState title="No models">Models are seeded from db/seed/models.json at start-up.</EmptyState>
        </Card>
      ) : (
        models.map((m) => (
          <Card key={m.id}>
            <CardBody>
              <ModelRowForm
                m={{
                  id: m.id,
                  provider: m.provider,
                  upstreamModel: m.upstreamModel,
                  kind: m.kind,
                  inputPriceMicrosPerMtok: m.inputPriceMicrosPerMtok.toString(),
                  outputPriceMicrosPerMtok: m.outputPriceMicrosPerMtok.toString(),
                  cachedInputPriceMicrosPerMtok: m.cachedInputPriceMicrosPerMtok?.toString() ?? "",
                  contextWindow: m.contextWindow,
                  maxOutputTokens: m.maxOutputTokens,
                  enabled: m.enabled,
                }}
              />
            </CardBody>
          </Card>
        ))
      )}
    </div>
  );
}
