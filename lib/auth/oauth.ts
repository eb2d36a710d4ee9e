// OAuth sign-in. An identity is the provider's (provider, subject) pair, stored on first use.
// A provider is linked to an existing user only when the provider asserts the email is verified
// AND the user verified the same address with us; otherwise the sign-in is refused (an attacker
// who registered victim@gmail.com with a password must not receive the victim's Google sign-in,
// and a provider account with an unverified email must not take over a password user).
import { and, eq } from "drizzle-orm";
import { oauthIdentities, users } from "@/db/schema";
import type { Db } from "@/lib/db";
import { auditUserEvent } from "./events";
import { createUserWithAccount, findUserByEmail } from "./users";

export interface OAuthProfile {
  provider: string;
  subject: string;
  email: string | null;
  /** The provider says it verified this email. */
  emailVerified: boolean;
  name: string | null;
}

export type OAuthOutcome =
  | { ok: true; userId: string; sessionVersion: number; created: boolean; linked: boolean }
  | { ok: false; reason: "no_email" | "link_refused" };

/** The message the sign-in page shows for a refused OAuth sign-in (never says whether the email is registered). */
export const OAUTH_REFUSED_MESSAGE =
  "We could not sign you in with that provider. If you already have a Tollgate account, sign in with your password and verify your email first; the provider's email must be verified too.";

async function identityUser(db: Db, provider: string, subject: string) {
  const [row] = await db
    .select({ userId: users.id, sessionVersion: users.sessionVersion })
    .from(oauthIdentities)
    .innerJoin(users, eq(users.id, oauthIdentities.userId))
    .where(and(eq(oauthIdentities.provider, provider), eq(oauthIdentities.subject, subject)))
    .limit(1);
  return row;
}

export async function resolveOAuthSignIn(db: Db, p: OAuthProfile): Promise<OAuthOutcome> {
  const known = await identityUser(db, p.provider, p.subject);
  if (known) return { ok: true, userId: known.userId, sessionVersion: known.sessionVersion, created: false, linked: false };
  if (!p.email) return { ok: false, reason: "no_email" };
  const email = p.email.trim().toLowerCase();
  const existing = await findUserByEmail(db, email);
  if (existing) {
    if (!p.emailVerified || !existing.emailVerifiedAt) return { ok: false, reason: "link_refused" };
    await db.transaction(async (tx) => {
      await tx.insert(oauthIdentities).values({ provider: p.provider, subject: p.subject, userId: existing.id, email }).onConflictDoNothing();
      await auditUserEvent(tx, existing.id, "auth.oauth_link", { provider: p.provider });
    });
    const linked = await identityUser(db, p.provider, p.subject);
    if (!linked) return { ok: false, reason: "link_refused" };
    return { ok: true, userId: linked.userId, sessionVersion: linked.sessionVersion, created: false, linked: true };
  }
  // A new user: no terms yet (the console asks before anything else), verified if the provider says so.
  let created = false;
  try {
    const c = await createUserWithAccount(db, { email, name: p.name, emailVerified: p.emailVerified });
    await db.insert(oauthIdentities).values({ provider: p.provider, subject: p.subject, userId: c.userId, email }).onConflictDoNothing();
    created = true;
  } catch (e) {
    if ((e as { code?: string }).code !== "CONFLICT") throw e;
    // A concurrent first sign-in created the user: fall through to what it stored.
  }
  const row = await identityUser(db, p.provider, p.subject);
  if (!row) return { ok: false, reason: "link_refused" };
  return { ok: true, userId: row.userId, sessionVersion: row.sessionVersion, created, linked: false };
}

/**
 * Whether the provider vouches for the email. Google says so in the ID token; for GitHub we ask
 * its API for the account's verified addresses.
 */
export async function providerVerifiedEmail(provider: string, email: string | null, profile: unknown, accessToken: string | undefined): Promise<boolean> {
  if (!email) return false;
  const p = (profile ?? {}) as { email_verified?: unknown };
  if (provider === "google") return p.email_verified === true;
  if (provider === "github" && accessToken) {
    try {
      const res = await fetch("https://api.github.com/user/emails", { headers: { Authorization: `token ${accessToken}`, "User-Agent": "tollgate" }, signal: AbortSignal.timeout(5000) });
      if (!res.ok) return false;
      const list = (await res.json()) as { email?: string; verified?: boolean }[];
      return list.some((e) => e.verified === true && e.email?.toLowerCase() === email.toLowerCase());
    } catch {
      return false;
    }
  }
  return false;
}
