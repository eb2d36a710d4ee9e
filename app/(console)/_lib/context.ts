// Per-request console context for server components: the signed-in user and current account,
// resolved once per request (React cache) and shared by the layout and the page.
import { cookies } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { getDb, type Db } from "@/lib/db";
import { can, type Permission, type Role } from "@/lib/auth/permissions";
import { ACCOUNT_COOKIE, requireUser, resolveAccountContext, type AccountContext, type SessionUser } from "@/lib/auth/session";
import type { ActorCtx } from "@/lib/accounts/authorize";
import { staffRequire2fa } from "@/lib/auth/totp";

export const getConsole = cache(async (): Promise<{ db: Db; user: SessionUser; account: AccountContext | null }> => {
  // Reading cookies first marks every console page as per-request (never prerendered).
  const preferred = (await cookies()).get(ACCOUNT_COOKIE)?.value;
  const user = await requireUser();
  // Sign-ups without the terms checkbox (OAuth) accept them before using the console; staff are operators.
  if (!user.termsAccepted && !user.isStaff) redirect("/accept-terms");
  const db = await getDb();
  const account = await resolveAccountContext(db, user, preferred);
  return { db, user, account };
});

export type PageAccess =
  | { ok: true; db: Db; user: SessionUser; account: AccountContext; role: Role; actor: ActorCtx }
  | { ok: false; reason: "no-account" | "forbidden"; user: SessionUser; permission?: Permission };

/** The page's context if the current role has `permission`; otherwise why not (rendered by <NoAccess>). */
export async function pageAccess(permission?: Permission): Promise<PageAccess> {
  const { db, user, account } = await getConsole();
  if (!account) return { ok: false, reason: "no-account", user };
  if (permission && !can(account.role, permission)) return { ok: false, reason: "forbidden", user, permission };
  return { ok: true, db, user, account, role: account.role, actor: { userId: user.id, accountId: account.accountId } };
}

/** Staff pages: anyone else gets a plain 404 (the staff area's existence isn't advertised). */
export async function staffAccess(): Promise<{ db: Db; user: SessionUser; staff: { userId: string } }> {
  const { db, user } = await getConsole();
  if (!user.isStaff) notFound();
  // STAFF_REQUIRE_2FA: staff powers wait until two-factor sign-in is on.
  if (staffRequire2fa() && !user.totpEnabled) redirect("/settings?require2fa=1");
  return { db, user, staff: { userId: user.id } };
}

export type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export function param(sp: Record<string, string | string[] | undefined>, key: string): string | undefined {
  const v = sp[key];
  const s = Array.isArray(v) ? v[0] : v;
  return s && s.length <= 500 ? s : undefined;
}
