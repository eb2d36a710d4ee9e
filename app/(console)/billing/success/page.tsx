import type { Metadata } from "next";
import { NoAccess } from "@/components/console/no-access";
import { Alert } from "@/components/ui/alert";
import { ButtonLink } from "@/components/ui/button";
import { Card, CardBody } from "@/components/ui/card";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { fulfilCheckoutSession, type FulfilResult } from "@/lib/billing";
import { isAppError } from "@/lib/errors";
import { pageAccess, param, type SearchParams } from "../../_lib/context";

export const metadata: Metadata = { title: "Payment received" };

export default async function BillingSuccessPage({ searchParams }: { searchParams: SearchParams }) {
  const access = await pageAccess("billing:read");
  if (!access.ok) return <NoAccess title="Payment" reason={access.reason} permission={access.permission} />;
  const sessionId = param(await searchParams, "session_id");
  let result: FulfilResult | null = null;
  let problem: string | null = null;
  if (!sessionId) problem = "This page needs a checkout session id.";
  else {
    try {
      // Fulfil here too, so a slow webhook never leaves the customer waiting; the ledger's
      // unique key on the session id makes this and the webhook credit exactly once.
      result = await fulfilCheckoutSession(access.db, sessionId, { expectedAccountId: access.account.accountId, actor: { kind: "user", userId: access.user.id } });
    } catch (e) {
      problem = isAppError(e) && e.code !== "INTERNAL_ERROR" ? e.message : "We could not confirm this payment yet. If you were charged, the credits will appear shortly.";
    }
  }
  const paid = result && result.status !== "not_paid";
  return (
    <div className="space-y-6">
      <PageHeader title={paid ? "Payment received" : "Payment pending"} />
      <Card>
        <CardBody className="space-y-4">
          {problem ? (
            <Alert tone="warning" live>
              {problem}
            </Alert>
          ) : paid && result ? (
            <Alert tone="success" live title="Credits added">
              <Money micros={result.amountMicros} /> was added to your balance.
            </Alert>
          ) : (
            <Alert tone="info" live title="Waiting for the payment to complete">
              Your payment hasn&apos;t been confirmed yet (some payment methods take a while). Credits are added automatically once it is; you can leave this page.
            </Alert>
          )}
          <div className="flex flex-wrap gap-2">
            <ButtonLink href="/billing" variant="primary">
              Back to billing
            </ButtonLink>
            <ButtonLink href="/ledger">View ledger</ButtonLink>
          </div>
        </CardBody>
      </Card>
    </div>
  );
}
