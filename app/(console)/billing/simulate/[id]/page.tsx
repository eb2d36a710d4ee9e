import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { SimulatedPayButton } from "@/components/console/billing/pay-button";
import { NoAccess } from "@/components/console/no-access";
import { Alert } from "@/components/ui/alert";
import { ButtonLink } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { Money } from "@/components/ui/money";
import { getCheckoutSession, paymentsMode, SIMULATED_PREFIX } from "@/lib/billing";
import { formatUsd } from "@/lib/money";
import { pageAccess } from "../../../_lib/context";

export const metadata: Metadata = { title: "Simulated payment" };

export default async function SimulatedPaymentPage({ params }: { params: Promise<{ id: string }> }) {
  const access = await pageAccess("billing:write");
  if (!access.ok) return <NoAccess title="Simulated payment" reason={access.reason} permission={access.permission} />;
  const { id } = await params;
  if (!id.startsWith(SIMULATED_PREFIX) || !/^[A-Za-z0-9_]{1,260}$/.test(id)) notFound();
  const session = await getCheckoutSession(access.db, { accountId: access.account.accountId, userId: access.user.id }, id);
  if (!session || !session.simulated) notFound();

  return (
    <div className="mx-auto max-w-lg space-y-6">
      <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Simulated payment — no real money</h1>
      <Alert tone="warning" title="This is not a real payment">
        This server runs without Stripe. Pressing Pay credits your account through the same fulfilment code a real payment uses, but no card is charged and no
        money moves. Operators turn this off by configuring Stripe.
      </Alert>
      <Card>
        <CardHeader title="Tollgate credits" description={<span className="font-mono text-xs">{session.id}</span>} />
        <CardBody className="space-y-4">
          <p className="flex items-baseline justify-between text-sm text-slate-700">
            <span>Amount</span>
            <span className="text-2xl font-semibold text-slate-900">
              <Money micros={session.amountMicros} />
            </span>
          </p>
          {session.status === "fulfilled" ? (
            <>
              <Alert tone="success">This payment was already completed.</Alert>
              <ButtonLink href={`/billing/success?session_id=${encodeURIComponent(session.id)}`} variant="primary">
                Continue
              </ButtonLink>
            </>
          ) : session.status === "expired" || paymentsMode() !== "simulated" ? (
            <Alert tone="error">This checkout session can no longer be paid. Start a new top-up from the billing page.</Alert>
          ) : (
            <SimulatedPayButton sessionId={session.id} label={`Pay ${formatUsd(session.amountMicros)} (simulated)`} />
          )}
          <ButtonLink href="/billing/cancel" variant="ghost" className="w-full">
            Cancel
          </ButtonLink>
        </CardBody>
      </Card>
    </div>
  );
}
