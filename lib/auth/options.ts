// next-auth (v4) configuration: email + password, JWT sessions, OAuth when configured.
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import GitHubProvider from "next-auth/providers/github";
import GoogleProvider from "next-auth/providers/google";
import { getDb } from "@/lib/db";
import { authSecret } from "./secret";
import { signInSchema } from "./schemas";
import { authenticate, createUserWithAccount, findUserByEmail } from "./users";

function oauthProviders() {
  const providers = [];
  if (process.env.GITHUB_ID && process.env.GITHUB_SECRET) {
    providers.push(GitHubProvider({ clientId: process.env.GITHUB_ID, clientSecret: process.env.GITHUB_SECRET }));
  }
  if (process.env.GOOGLE_ID && process.env.GOOGLE_SECRET) {
    providers.push(GoogleProvider({ clientId: process.env.GOOGLE_ID, clientSecret: process.env.GOOGLE_SECRET }));
  }
  return providers;
}

export function enabledOAuthProviders(): { id: string; name: string }[] {
  return oauthProviders().map((p) => ({ id: p.id, name: p.name }));
}

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
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        async authorize(credentials) {
          const parsed = signInSchema.safeParse(credentials ?? {});
          if (!parsed.success) return null;
          const user = await authenticate(await getDb(), parsed.data.email, parsed.data.password);
          return user ? { id: user.id, email: user.email, name: user.name } : null;
        },
      }),
      ...oauthProviders(),
    ],
    callbacks: {
      async signIn({ user, account }) {
        if (!account || account.type !== "oauth") return true;
        // OAuth users are matched by verified email; the first sign-in creates user + account.
        if (!user.email) return false;
        const db = await getDb();
        const existing = await findUserByEmail(db, user.email);
        if (!existing) await createUserWithAccount(db, { email: user.email, name: user.name });
        return true;
      },
      async jwt({ token, user, account }) {
        if (user) {
          if (account?.type === "oauth" && user.email) {
            const dbUser = await findUserByEmail(await getDb(), user.email);
            token.uid = dbUser?.id;
          } else {
            token.uid = user.id;
          }
        }
        return token;
      },
      async session({ session, token }) {
        if (session.user && typeof token.uid === "string") (session.user as { id?: string }).id = token.uid;
        return session;
      },
    },
  };
  return cached;
}
