// Account ledger CSV for the console: owner/admin/finance of THAT account only.
// ?account=acct_… picks one of the caller's accounts (default: the current account);
// ?from=YYYY-MM-DD&to=YYYY-MM-DD (UTC, inclusive) and ?type=charge,topup filter.
import { cookies } from "next/headers";
import { can } from "@/lib/auth/permissions";
import { ACCOUNT_COOKIE, getSessionUser, resolveAccountContext } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { csvDownload, exportParamsOrError, jsonError } from "@/lib/ledger/export-http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(req: Request): Promise<Response> {
  const user = await getSessionUser();
  if (!user) return jsonError(401, "UNAUTHENTICATED", "Sign in to export the ledger.");
  const params = exportParamsOrError(new URL(req.url));
  if (!params.ok) return params.response;
  const db = await getDb();
  const requested = params.value.account;
  const ctx = await resolveAccountContext(db, user, requested ?? (await cookies()).get(ACCOUNT_COOKIE)?.value);
  // An explicit account the caller doesn't belong to is refused, never silently swapped for another.
  if (!ctx || (requested && ctx.accountId !== requested) || !can(ctx.role, "ledger:read")) {
    return jsonError(403, "FORBIDDEN", "Your role in this account does not allow exporting the ledger.");
  }
  return csvDownload(db, {
    filter: { ...params.value.filter, accountId: ctx.accountId },
    scope: ctx.accountId,
    actorUserId: user.id,
    actorKind: "user",
    auditAccountId: ctx.accountId,
  });
}
