// All-accounts ledger CSV for staff (operators); ?account=acct_… narrows it to one account.
// Same filters as the account export.
import { getSessionUser } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { csvDownload, exportParamsOrError, jsonError } from "@/lib/ledger/export-http";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function GET(req: Request): Promise<Response> {
  const user = await getSessionUser(); // the staff flag is read fresh from the database
  if (!user) return jsonError(401, "UNAUTHENTICATED", "Sign in to export the ledger.");
  if (!user.isStaff) return jsonError(403, "FORBIDDEN", "Only staff can export all accounts.");
  const params = exportParamsOrError(new URL(req.url));
  if (!params.ok) return params.response;
  const db = await getDb();
  const accountId = params.value.account;
  return csvDownload(db, {
    filter: { ...params.value.filter, accountId },
    scope: accountId ?? "all-accounts",
    actorUserId: user.id,
    actorKind: "staff",
    auditAccountId: accountId ?? null,
  });
}
