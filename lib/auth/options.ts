// next-auth (v4) configuration: email + password, JWT sessions, OAuth when configured (lib/auth/oauth).
// The JWT carries the user id and a session version; every request compares that version with
// the user's (lib/auth/session-check), so a password change or "sign out everywhere" ends
// every older session at once.
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import GitHubProvider from "next-auth/providers/github";
import GoogleProvider from "next-auth/providers/google";
import { clientIp } from "@/lib/gateway/client-address";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { isAppError } from "@/lib/errors";
import { DEFAULT_AFTER_SIGN_IN, sameOriginPath } from "./redirect";
import { authSecret } from "./secret";
import { signInSchema } from "./schemas";
import { currentSessionVersion } from "./session-check";
import { signInWithPassword } from "./sign-in";
import { auditUserEvent } from "./events";
import { providerVerifiedEmail, resolveOAuthSignIn } from "./oauth";

function oauthProviders() {
  const e = env();
  const providers = [];
  if (e.GITHUB_ID && e.GITHUB_SECRET) {
    providers.push(GitHubProvider({ clientId: e.GITHUB_ID, clientSecret: e.GITHUB_SECRET }));
  }
  if (e.GOOGLE_ID && e.GOOGLE_SECRET) {
    providers.push(GoogleProvider({ clientId: e.GOOGLE_ID, clientSecret: e.GOOGLE_SECRET }));
  }
  return providers;
}

export function enabledOAuthProviders(): { id: string; name: string }[] {
  return oauthProviders().map((p) => ({ id: p.id, name: p.name }));
}

/** next-auth hands authorize() the request headers as a plain object. */
export function addressFromHeaders(headers: unknown): string | null {
  if (!headers || typeof headers !== "object") return null;
  const h = headers instanceof Headers ? headers : new Headers(Object.entries(headers as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === "string"));
  return clientIp(h);
}

type SessionToken = { uid?: unknown; sv?: unknown };

let cached: NextAuthOptions | undefined;

export function authOptions(): NextAuthOptions {
  if (cached) return cached;
  cached = {
    secret: authSecret(),
    session: { strategy: "jwt", maxAge: 7 * 24 * 3600 },
    pages: { signIn: "/signin" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" }, code: { label: "Two-factor code", type: "text" } },
        async authorize(credentials, req) {
          const parsed = signInSchema.safeParse(credentials ?? {});
          if (!parsed.success) return null;
          try {
            const user = await signInWithPassword(await getDb(), { ...parsed.data, address: addressFromHeaders(req?.headers) });
            return user ? { id: user.id, email: user.email, name: user.name, sv: user.sessionVersion } : null;
          } catch (e) {
            // next-auth passes a thrown message to the client as `error` (the form shows it).
            if (isAppError(e) && (e.code === "RATE_LIMITED" || e.code === "UNAUTHENTICATED")) throw new Error(e.message);
            throw e;
          }
        },
      }),
      ...oauthProviders(),
    ],
    callbacks: {
      // next-auth's own redirects (OAuth round trips, sign-out) obey the same same-origin rule.
      redirect({ url, baseUrl }) {
        const path = sameOriginPath(url, baseUrl);
        return `${baseUrl}${path ?? DEFAULT_AFTER_SIGN_IN}`;
      },
      async signIn({ user, account, profile }) {
        if (!account || account.type !== "oauth") return true;
        const db = await getDb();
        const emailVerified = await providerVerifiedEmail(account.provider, user.email ?? null, profile, account.access_token);
        const outcome = await resolveOAuthSignIn(db, { provider: account.provider, subject: account.providerAccountId, email: user.email ?? null, emailVerified, name: user.name ?? null });
        if (!outcome.ok) return "/signin?error=OAuthLinkRefused";
        await db.transaction((tx) => auditUserEvent(tx, outcome.userId, "auth.sign_in", { method: account.provider }));
        return true;
      },
      async jwt({ token, user, account }) {
        if (user) {
          if (account?.type === "oauth") {
            // signIn() above stored (or found) the identity; the session belongs to its user.
            const outcome = await resolveOAuthSignIn(await getDb(), { provider: account.provider, subject: account.providerAccountId, email: null, emailVerified: false, name: null });
            token.uid = outcome.ok ? outcome.userId : undefined;
            token.sv = outcome.ok ? outcome.sessionVersion : undefined;
          } else {
            token.uid = user.id;
            token.sv = (user as { sv?: number }).sv;
          }
        }
        return token;
      },
      async session({ session, token }) {
        const { uid, sv } = token as SessionToken;
        if (typeof uid !== "string") return { expires: session.expires };
        // An older session version (password changed, signed out everywhere) is no session at all.
        const current = await currentSessionVersion(await getDb(), uid);
        if (current === null || current !== (typeof sv === "number" ? sv : 1)) return { expires: session.expires };
        if (session.user) (session.user as { id?: string }).id = uid;
        return session;
      },
    },
  };
  return cached;
}
