import type { Metadata } from "next";
import { CloseAccountForm, DeleteUserForm } from "@/components/console/account/close-forms";
import { NoAccess } from "@/components/console/no-access";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { Time } from "@/components/ui/time";
import { refundHowTo } from "@/lib/accounts/closure";
import { accountStatusOf } from "@/lib/accounts/lifecycle";
import { pageAccess } from "../_lib/context";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  const access = await pageAccess();
  if (!access.ok) return <NoAccess title="Account" reason={access.reason} permission={access.permission} />;
  const status = await accountStatusOf(access.db, access.account.accountId);
  const owner = access.role === "owner";
  const open = status?.status === "active" || status?.status === "suspended";
  const refund = status ? refundHowTo(access.account.accountId, status.balanceMicros) : null;
  return (
    <div className="space-y-6">
      <PageHeader title="Account" description={<>Your data, closing the account, and your own user record. <code className="font-mono">{access.account.accountId}</code></>} />
      {owner ? (
        <Card>
          <CardHeader title="Download your data" description="Profile, members, API key metadata (never the keys), ledger, requests, disputes and notifications, as one JSON file." />
          <CardBody>
            <a href="/api/account/export" className={buttonClasses("secondary")} download data-testid="export-link">
              Download account data (JSON)
            </a>
          </CardBody>
        </Card>
      ) : null}
      {status && !open ? (
        <Card>
          <CardHeader title={status.status === "closed" ? "This account is closed" : "This account was terminated"} />
          <CardBody>
            <p className="text-sm text-slate-700">
              Since <Time value={status.changedAt ?? status.closedAt ?? new Date()} />. Remaining balance: <Money micros={status.balanceMicros} />.
            </p>
            {refund ? (
              <Alert tone="info" className="mt-3" title="Claiming a refund">
                {refund}
              </Alert>
            ) : null}
            {status.status === "closed" ? <p className="mt-3 text-sm text-slate-600">Personal data (names, emails, hashed IP addresses) is erased within 30 days of closure; the ledger is kept for accounting without it.</p> : null}
          </CardBody>
        </Card>
      ) : null}
      {owner && open ? (
        <Card>
          <CardHeader title="Close this account" description="Every API key is revoked at once. The remaining balance stays on record and is shown with how to claim a refund. Personal data is erased within 30 days." />
          <CardBody>
            <CloseAccountForm />
          </CardBody>
        </Card>
      ) : null}
      <Card>
        <CardHeader title="Delete my user" description="Possible once you own no open account (close it or hand it over first). You leave the teams of open accounts." />
        <CardBody>
          <DeleteUserForm />
        </CardBody>
      </Card>
    </div>
  );
}
