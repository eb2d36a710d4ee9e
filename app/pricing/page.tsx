import type { Metadata } from "next";
import Link from "next/link";
import { ModelPriceTable } from "@/components/pricing/model-table";
import { TierTable } from "@/components/pricing/tier-table";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { listServedModels } from "@/lib/models";

// Public (no sign-in); read per request so prices, deprecations and schedules are current.
export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Pricing", description: "Tollgate model prices per million tokens and API key tiers" };

export default async function PricingPage() {
  const now = new Date();
  const models = await listServedModels(now);
  return (
    <main id="main" className="mx-auto max-w-6xl space-y-8 px-4 py-10">
      <header className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <p className="text-sm font-semibold text-indigo-700">Tollgate</p>
          <h1 className="text-3xl font-semibold tracking-tight text-slate-900">Pricing</h1>
          <p className="mt-2 max-w-2xl text-sm text-slate-600">
            Prepaid credits (1 credit = $0.01), charged per token at the prices below. A call is priced by the price in force when it starts. Price changes
            are announced at least 14 days ahead; deprecated models keep working until their retirement date.
          </p>
        </div>
        <Link href="/signin" className="rounded-md text-sm font-medium text-indigo-700 underline-offset-4 hover:underline focus-visible:outline-2 focus-visible:outline-indigo-600">
          Sign in to the console
        </Link>
      </header>
      <Card>
        <CardHeader title="Models" description="USD per million tokens." />
        {models.length === 0 ? <EmptyState title="No models are available right now." /> : <ModelPriceTable models={models} now={now} />}
      </Card>
      <Card>
        <CardHeader title="API key tiers" description="Limits apply per key; an account's own concurrency limit also applies across its keys. Days are UTC." />
        <TierTable />
      </Card>
    </main>
  );
}
