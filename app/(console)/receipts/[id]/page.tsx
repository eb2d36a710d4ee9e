import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { PrintButton } from "@/components/console/billing/print-button";
import { NoAccess } from "@/components/console/no-access";
import { ButtonLink } from "@/components/ui/button";
import { Card, CardBody } from "@/components/ui/card";
import { Money } from "@/components/ui/money";
import { Time } from "@/components/ui/time";
import { getReceipt } from "@/lib/billing/receipts";
import { isAppError } from "@/lib/errors";
import { pageAccess } from "../../_lib/context";

export const metadata: Metadata = { title: "Receipt" };

// Printing shows the receipt alone: the console's header and navigation are left out.
const PRINT_CSS = "@media print { header, nav, [data-no-print] { display: none !important; } main { margin: 0; } }";

export default async function ReceiptPage({ params }: { params: Promise<{ id: string }> }) {
  const access = await pageAccess("ledger:read");
  if (!access.ok) return <NoAccess title="Receipt" reason={access.reason} permission={access.permission} />;
  const { id } = await params;
  const receipt = await getReceipt(access.db, access.actor, id, { fetchStripeLink: true }).catch((e: unknown) => {
    if (isAppError(e) && e.code === "NOT_FOUND") notFound();
    throw e;
  });
  return (
    <div className="mx-auto max-w-2xl space-y-4">
      <style>{PRINT_CSS}</style>
      <div className="flex flex-wrap justify-end gap-2" data-no-print>
        <ButtonLink href="/ledger?type=topup">Back to the ledger</ButtonLink>
        <PrintButton />
      </div>
      <Card>
        <CardBody>
          <h1 className="text-xl font-semibold text-slate-900">Receipt {receipt.number}</h1>
          <p className="mt-1 text-sm text-slate-600">Prepaid API credit — Tollgate</p>
          <dl className="mt-6 grid grid-cols-1 gap-x-6 gap-y-3 text-sm sm:grid-cols-[max-content_1fr]">
            <dt className="font-medium text-slate-700">Receipt number</dt>
            <dd data-testid="receipt-number">{receipt.number}</dd>
            <dt className="font-medium text-slate-700">Date</dt>
            <dd>
              <Time value={receipt.issuedAt} />
            </dd>
            <dt className="font-medium text-slate-700">Amount paid</dt>
            <dd data-testid="receipt-amount">
              <Money micros={receipt.amountMicros} /> {receipt.currency}
            </dd>
            <dt className="font-medium text-slate-700">Payment reference</dt>
            <dd className="break-all font-mono text-xs">
              {receipt.paymentReference ?? "—"}
              {receipt.paymentIntentId ? <div>{receipt.paymentIntentId}</div> : null}
              {receipt.simulated ? <div className="font-sans text-amber-800">Simulated payment (no card was charged)</div> : null}
            </dd>
            <dt className="font-medium text-slate-700">Account</dt>
            <dd>
              {receipt.account.name} <span className="font-mono text-xs text-slate-500">{receipt.account.id}</span>
            </dd>
            <dt className="font-medium text-slate-700">Ledger entry</dt>
            <dd className="font-mono text-xs">{receipt.entryId}</dd>
          </dl>
          {receipt.stripeReceiptUrl ? (
            <p className="mt-6 text-sm">
              <a href={receipt.stripeReceiptUrl} className="text-indigo-700 underline" rel="noopener noreferrer" target="_blank">
                Stripe&apos;s receipt for the card payment
              </a>
            </p>
          ) : null}
        </CardBody>
      </Card>
    </div>
  );
}
