import type { Metadata } from "next";
import { LowBalanceForm } from "@/components/console/billing/low-balance-form";
import { TopUp } from "@/components/console/billing/top-up";
import { NoAccess } from "@/components/console/no-access";
import { Alert } from "@/components/ui/alert";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { ButtonLink } from "@/components/ui/button";
import { Card, CardBody, CardHeader, Stat } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TBody, Td, Th, THead, Tr } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { accounts } from "@/db/schema";
import { can } from "@/lib/auth/permissions";
import { listLots, paymentsMode, type LotStatus } from "@/lib/billing";
import { randomBase62 } from "@/lib/ids";
import { getCredits, type LotKind } from "@/lib/ledger";
import { microsToUsdExact } from "@/lib/money";
import { eq } from "drizzle-orm";
import { pageAccess } from "../_lib/context";

export const metadata: Metadata = { title: "Billing" };

const LOT_STATUS: Record<LotStatus, { tone: BadgeTone; label: string }> = {
  active: { tone: "green", label: "Active" },
  used: { tone: "neutral", label: "Used up" },
  expired: { tone: "red", label: "Expired" },
};
const KIND: Record<LotKind, string> = { paid: "Top-up", grant: "Grant", promo: "Promo" };

export default async function BillingPage() {
  const access = await pageAccess("billing:read");
  if (!access.ok) return <NoAccess title="Billing" reason={access.reason} permission={access.permission} />;
  const accountId = access.account.accountId;
  const now = new Date();
  const [credits, lots, [account]] = await Promise.all([
    getCredits(access.db, accountId, now),
    listLots(access.db, accountId, now),
    access.db.select({ threshold: accounts.lowBalanceThresholdMicros }).from(accounts).where(eq(accounts.id, accountId)).limit(1),
  ]);
  const writable = can(access.role, "billing:write");
  const mode = paymentsMode();
  const soon = new Date(now.getTime() + 30 * 86_400_000);

  return (
    <div className="space-y-6">
      <PageHeader title="Billing" description="Prepaid credits: add funds, see what you have and when it expires." actions={<ButtonLink href="/ledger">View ledger</ButtonLink>} />
      <div className="grid gap-4 sm:grid-cols-3">
        <Stat label="Balance" value={<Money micros={credits.balanceMicros} />} />
        <Stat label="Available" value={<Money micros={credits.availableMicros} />} hint={<>After <Money micros={credits.heldMicros} /> held for requests in flight</>} />
        <Stat label="Expiring in 30 days" value={<Money micros={credits.expiringNext30DaysMicros} />} />
      </div>

      {writable ? (
        <Card>
          <CardHeader title="Add credits" description={mode === "stripe" ? "Pay securely with Stripe Checkout." : undefined} />
          <CardBody>
            {mode === "disabled" ? (
              <Alert tone="warning" title="Payments are not configured">
                This server has no Stripe keys and simulated payments are off. Ask your operator to configure Stripe.
              </Alert>
            ) : (
              <TopUp nonce={randomBase62(24)} simulated={mode === "simulated"} />
            )}
          </CardBody>
        </Card>
      ) : null}

      <Card id="lots">
        <CardHeader title="Credit lots" description="Each top-up, grant or promo is a lot. Requests use the lot that expires first." />
        {lots.length === 0 ? (
          <EmptyState title="No credits yet">{writable ? "Add credits above to start making requests." : null}</EmptyState>
        ) : (
          <Table caption="Credit lots">
            <THead>
              <tr>
                <Th>Lot</Th>
                <Th>Kind</Th>
                <Th>Added</Th>
                <Th className="text-right">Original</Th>
                <Th className="text-right">Remaining</Th>
                <Th>Expires</Th>
                <Th>Status</Th>
              </tr>
            </THead>
            <TBody>
              {lots.map((l) => (
                <Tr key={l.id}>
                  <Td className="font-mono text-xs">{l.id}</Td>
                  <Td>
                    {KIND[l.kind]}
                    {l.reason ? <div className="max-w-xs truncate text-xs text-slate-500" title={l.reason}>{l.reason}</div> : null}
                  </Td>
                  <Td>
                    <Time value={l.createdAt} />
                  </Td>
                  <Td className="text-right">
                    <Money micros={l.originalMicros} />
                  </Td>
                  <Td className="text-right">
                    <Money micros={l.remainingMicros} />
                  </Td>
                  <Td>
                    <Time value={l.expiresAt} dateOnly />
                    {l.status === "active" && l.expiresAt <= soon ? <Badge tone="amber" className="ml-2">soon</Badge> : null}
                  </Td>
                  <Td>
                    <Badge tone={LOT_STATUS[l.status].tone}>{LOT_STATUS[l.status].label}</Badge>
                  </Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
      </Card>

      <Card>
        <CardHeader title="Low-balance alert" description="Get a notification (and an email when the server has SMTP) when your balance runs low." />
        <CardBody>
          {writable ? (
            <LowBalanceForm currentUsd={account?.threshold != null ? microsToUsdExact(account.threshold).replace(/\.?0+$/, "") : ""} />
          ) : (
            <p className="text-sm text-slate-700">{account?.threshold != null ? <>Alert below <Money micros={account.threshold} /></> : "Off"}</p>
          )}
        </CardBody>
      </Card>
    </div>
  );
}
