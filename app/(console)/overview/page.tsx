import type { Metadata } from "next";
import Link from "next/link";
import { SpendChart } from "@/components/console/charts/spend-chart";
import { NoAccess } from "@/components/console/no-access";
import { Alert } from "@/components/ui/alert";
import { ButtonLink } from "@/components/ui/button";
import { Card, CardBody, CardHeader, Stat } from "@/components/ui/card";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { can } from "@/lib/auth/permissions";
import { getOverview } from "@/lib/accounts/overview";
import { pageAccess } from "../_lib/context";

export const metadata: Metadata = { title: "Overview" };

export default async function OverviewPage() {
  const access = await pageAccess("usage:read");
  if (!access.ok) return <NoAccess title="Overview" reason={access.reason} permission={access.permission} />;
  const o = await getOverview(access.db, access.actor);
  const billing = can(access.role, "billing:write");
  const zero = BigInt(0);

  return (
    <div className="space-y-6">
      <PageHeader
        title="Overview"
        description={access.account.accountName}
        actions={billing ? <ButtonLink href="/billing" variant="primary">Add credits</ButtonLink> : null}
      />

      {o.expiringNext30DaysMicros > zero ? (
        <Alert tone="warning" title="Credits expiring soon">
          <Money micros={o.expiringNext30DaysMicros} /> of your credits expire in the next 30 days.{" "}
          {can(access.role, "billing:read") ? (
            <Link href="/billing#lots" className="font-medium underline">
              See credit lots
            </Link>
          ) : null}
          {billing ? " A new top-up extends every paid lot by a year." : null}
        </Alert>
      ) : null}
      {o.balanceMicros < zero ? (
        <Alert tone="error" title="Negative balance">
          A request cost more than its hold. New requests are refused until you add credits.
        </Alert>
      ) : o.availableMicros <= zero ? (
        <Alert tone="error" title="No credits available">
          New API requests will get HTTP 402 until you add credits.
        </Alert>
      ) : null}

      <div className="grid gap-4 sm:grid-cols-3">
        <Stat label="Balance" value={<Money micros={o.balanceMicros} />} hint="All credits minus all charges" />
        <Stat label="Held" value={<Money micros={o.heldMicros} />} hint="Reserved for requests in flight" />
        <Stat label="Available" value={<Money micros={o.availableMicros} />} hint="Balance minus held" />
      </div>

      <Card>
        <CardHeader
          title="Spend, last 30 days"
          description={
            <>
              <Money micros={o.spend30dMicros} /> across {o.requests30d.toLocaleString("en-US")} requests (UTC days)
            </>
          }
          actions={<ButtonLink href="/usage" size="sm">View usage</ButtonLink>}
        />
        <CardBody>
          {o.requests30d === 0 ? (
            <p className="py-8 text-center text-sm text-slate-600">
              No requests yet. <Link href="/keys" className="font-medium text-indigo-700 underline">Create an API key</Link> and call{" "}
              <code className="rounded bg-slate-100 px-1">/api/v1/chat/completions</code>.
            </p>
          ) : (
            <>
              <SpendChart data={o.spend.map((p) => ({ day: p.day, costMicros: p.costMicros.toString(), requests: p.requests }))} />
              <table className="sr-only">
                <caption>Spend per day</caption>
                <thead>
                  <tr>
                    <th>Day</th>
                    <th>Spend</th>
                    <th>Requests</th>
                  </tr>
                </thead>
                <tbody>
                  {o.spend
                    .filter((p) => p.requests > 0)
                    .map((p) => (
                      <tr key={p.day}>
                        <td>{p.day}</td>
                        <td>
                          <Money micros={p.costMicros} kind="amount" />
                        </td>
                        <td>{p.requests}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </>
          )}
        </CardBody>
      </Card>
    </div>
  );
}
