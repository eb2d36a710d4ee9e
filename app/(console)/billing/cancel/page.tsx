import type { Metadata } from "next";
import { ButtonLink } from "@/components/ui/button";
import { Card, CardBody } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";

export const metadata: Metadata = { title: "Payment cancelled" };

export default function BillingCancelPage() {
  return (
    <div className="space-y-6">
      <PageHeader title="Payment cancelled" />
      <Card>
        <CardBody className="space-y-4">
          <p className="text-sm text-slate-700">You cancelled the checkout. Nothing was charged and your balance is unchanged.</p>
          <ButtonLink href="/billing" variant="primary">
            Back to billing
          </ButtonLink>
        </CardBody>
      </Card>
    </div>
  );
}
