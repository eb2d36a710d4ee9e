// The signed-in user and their current account, for server components and server actions.
// The session token only carries the user id; role and staff flag are read fresh from the
// database on every request so a revoked role or membership takes effect immediately.
import { and, asc, eq, isNull } from "drizzle-orm";
import { getServerSession } from "next-auth";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { accounts, memberships, users } from "@/db/schema";
import { getDb, type Db } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { authOptions } from "./options";
import type { Role } from "./permissions";
import { termsCurrent } from "./terms";

export const ACCOUNT_COOKIE = "tg_account";

export interface SessionUser {
  id: string;
  email: string;
  name: string | null;
  isStaff: boolean;
  emailVerified: boolean;
  /** Has accepted the current terms version (lib/auth/terms). */
  termsAccepted: boolean;
  totpEnabled: boolean;
}

/** The user as pages and actions see them, read fresh from the database. */
export async function loadSessionUser(db: Db, id: string): Promise<SessionUser | null> {
  const [row] = await db
    .select({
      id: users.id,
      email: users.email,
      name: users.name,
      isStaff: users.isStaff,
      emailVerifiedAt: users.emailVerifiedAt,
      termsVersion: users.termsVersion,
      totpEnabledAt: users.totpEnabledAt,
    })
    .from(users)
    // A self-deleted user (lib/accounts/closure.ts) has no session any more.
    .where(and(eq(users.id, id), isNull(users.deletedAt)))
    .limit(1);
  if (!row) return null;
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    isStaff: row.isStaff,
    emailVerified: row.emailVerifiedAt !== null,
    termsAccepted: termsCurrent(row),
    totpEnabled: row.totpEnabledAt !== null,
  };
}

export interface AccountContext {
  user: SessionUser;
  accountId: string;
  accountName: string;
  role: Role;
  accounts: { id: string; name: string; role: Role }[];
}

export async function getSessionUser(): Promise<SessionUser | null> {
  const session = await getServerSession(authOptions());
  const id = (session?.user as { id?: string } | undefined)?.id;
  if (!id) return null;
  return loadSessionUser(await getDb(), id);
}

export async function requireUser(): Promise<SessionUser> {
  const user = await getSessionUser();
  if (!user) redirect("/signin");
  return user;
}

/** Accounts a user belongs to, oldest membership first. */
export async function userAccounts(db: Db, userId: string): Promise<AccountContext["accounts"]> {
  return db
    .select({ id: accounts.id, name: accounts.name, role: memberships.role })
    .from(memberships)
    .innerJoin(accounts, eq(accounts.id, memberships.accountId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(memberships.createdAt), asc(accounts.id));
}

/** Resolves the current account for a user; the cookie is only a preference, checked against memberships. */
export async function resolveAccountContext(db: Db, user: SessionUser, preferredAccountId?: string | null): Promise<AccountContext | null> {
  const list = await userAccounts(db, user.id);
  const current = list.find((a) => a.id === preferredAccountId) ?? list[0];
  if (!current) return null;
  return { user, accountId: current.id, accountName: current.name, role: current.role, accounts: list };
}

/** For pages: the signed-in user's current account, or a redirect to /signin. */
export async function getAccountContext(): Promise<AccountContext> {
  const user = await requireUser();
  const preferred = (await cookies()).get(ACCOUNT_COOKIE)?.value;
  const ctx = await resolveAccountContext(await getDb(), user, preferred);
  if (!ctx) throw new AppError("FORBIDDEN", "You are not a member of any account");
  return ctx;
}

/** Switch the current account (only to one the user belongs to). */
export async function setCurrentAccount(accountId: string): Promise<void> {
  const user = await requireUser();
  const db = await getDb();
  const [membership] = await db
    .select({ accountId: memberships.accountId })
    .from(memberships)
    .where(and(eq(memberships.userId, user.id), eq(memberships.accountId, accountId)))
    .limit(1);
  if (!membership) throw new AppError("NOT_FOUND", "Account not found");
  // Raw NODE_ENV: Next inlines it at build time, so a production build decides, whatever the runtime sets.
  (await cookies()).set(ACCOUNT_COOKIE, accountId, { httpOnly: true, sameSite: "lax", path: "/", secure: process.env.NODE_ENV === "production" && (env().APP_URL ?? "").startsWith("https") });
}
