// The owner's data export: everything the current account holds, as one JSON download.
import { cookies } from "next/headers";
import { exportAccountData } from "@/lib/accounts/export";
import { ACCOUNT_COOKIE, getSessionUser, resolveAccountContext } from "@/lib/auth/session";
import { getDb } from "@/lib/db";
import { isAppError } from "@/lib/errors";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

function error(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status, headers: { "cache-control": "no-store" } });
}

export async function GET(): Promise<Response> {
  const user = await getSessionUser();
  if (!user) return error(401, "UNAUTHENTICATED", "Sign in to download your data.");
  const db = await getDb();
  const ctx = await resolveAccountContext(db, user, (await cookies()).get(ACCOUNT_COOKIE)?.value);
  if (!ctx) return error(403, "FORBIDDEN", "You are not a member of any account.");
  try {
    const data = await exportAccountData(db, { userId: user.id, accountId: ctx.accountId });
    return new Response(JSON.stringify(data, null, 2), {
      headers: {
        "content-type": "application/json; charset=utf-8",
        "content-disposition": `attachment; filename="tollgate-account-${ctx.accountId}.json"`,
        "cache-control": "no-store",
      },
    });
  } catch (e) {
    if (isAppError(e) && e.status < 500) return error(e.status, e.code, e.message);
    throw e;
  }
}
