import type { Metadata } from "next";
import Link from "next/link";
import { OpenDisputeForm } from "@/components/console/disputes/open-dispute-form";
import { NoAccess } from "@/components/console/no-access";
import { Alert } from "@/components/ui/alert";
import { buttonClasses, ButtonLink } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { Time } from "@/components/ui/time";
import { disputeEligibility } from "@/lib/disputes";
import { microsToUsdExact } from "@/lib/money";
import { pageAccess, param, type SearchParams } from "../../_lib/context";

export const metadata: Metadata = { title: "Open a dispute" };

const ENTRY_RE = /^le_[0-9A-Za-z]{1,64}$/;
const REQUEST_RE = /^[A-Za-z0-9_-]{8,64}$/;

export default async function NewDisputePage({ searchParams }: { searchParams: SearchParams }) {
  const access = await pageAccess("disputes:write");
  if (!access.ok) return <NoAccess title="Open a dispute" reason={access.reason} permission={access.permission} />;
  const sp = await searchParams;
  const entry = param(sp, "entry")?.trim();
  const request = param(sp, "request")?.trim();
  const ref = entry && ENTRY_RE.test(entry) ? { ledgerEntryId: entry } : request && REQUEST_RE.test(request) ? { requestId: request } : null;

  if (!ref) {
    return (
      <div className="space-y-6">
        <PageHeader title="Open a dispute" description="Which charge do you want to dispute?" />
        <Card>
          <CardBody>
            {entry || request ? <Alert tone="error" className="mb-4">That doesn&apos;t look like a request id or ledger entry id.</Alert> : null}
            <form method="get" action="/disputes/new" className="flex flex-wrap items-end gap-2">
              <div className="space-y-1.5">
                <label htmlFor="request" className="block text-sm font-medium text-slate-800">
                  Request id
                </label>
                <Input id="request" name="request" defaultValue={request ?? ""} placeholder="req_…" className="w-80 max-w-full font-mono" autoComplete="off" />
              </div>
              <button type="submit" className={buttonClasses("primary")}>
                Find charge
              </button>
            </form>
            <p className="mt-3 text-sm text-slate-600">
              You can also start from a charge in the <Link href="/ledger?type=charge" className="font-medium text-indigo-700 underline">ledger</Link>.
            </p>
          </CardBody>
        </Card>
      </div>
    );
  }

  const e = await disputeEligibility(access.db, access.actor, ref);
  return (
    <div className="space-y-6">
      <PageHeader title="Open a dispute" actions={<ButtonLink href="/disputes">All disputes</ButtonLink>} />
      {e.charge ? (
        <Card>
          <CardHeader title="Charge" />
          <CardBody>
            <dl className="grid gap-x-6 gap-y-2 text-sm sm:grid-cols-2">
              <div>
                <dt className="text-slate-600">Amount</dt>
                <dd className="font-semibold">
                  <Money micros={e.charge.chargedMicros} exact />
                </dd>
              </div>
              <div>
                <dt className="text-slate-600">Charged at</dt>
                <dd>
                  <Time value={e.charge.createdAt} />
                </dd>
              </div>
              <div>
                <dt className="text-slate-600">Ledger entry</dt>
                <dd className="font-mono text-xs">{e.charge.entryId}</dd>
              </div>
              <div>
                <dt className="text-slate-600">Request</dt>
                <dd className="font-mono text-xs">
                  {e.charge.requestId ? <Link href={`/usage/requests/${encodeURIComponent(e.charge.requestId)}`} className="text-indigo-700 hover:underline">{e.charge.requestId}</Link> : "—"}
                </dd>
              </div>
              {e.charge.description ? (
                <div className="sm:col-span-2">
                  <dt className="text-slate-600">Description</dt>
                  <dd>{e.charge.description}</dd>
                </div>
              ) : null}
            </dl>
          </CardBody>
        </Card>
      ) : null}
      <Card>
        <CardBody>
          {e.eligible ? (
            <>
              <p className="mb-4 text-sm text-slate-600">
                You can dispute this charge until <Time value={e.deadline} />. Our team usually replies within one business day.
              </p>
              <OpenDisputeForm ledgerEntryId={e.charge.entryId} requestId={e.charge.requestId} maxUsd={microsToUsdExact(e.charge.chargedMicros)} />
            </>
          ) : e.reason === "no_charge" ? (
            <Alert tone="info" title="Nothing to dispute">
              We found no charge for this in your account. Failed requests are never charged. If the id belongs to another account, switch account first.
            </Alert>
          ) : e.reason === "already_disputed" ? (
            <Alert tone="info" title="Already disputed">
              This charge already has a dispute:{" "}
              <Link href={`/disputes/${e.disputeId}`} className="font-medium underline">
                {e.disputeId}
              </Link>
              .
            </Alert>
          ) : (
            <Alert tone="warning" title="The dispute window has closed">
              Charges can be disputed within 30 days. The window for this charge closed on <Time value={e.deadline} dateOnly />.
            </Alert>
          )}
        </CardBody>
      </Card>
    </div>
  );
}
