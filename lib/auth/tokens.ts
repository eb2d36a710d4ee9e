// Single-use secrets sent by email (verification, password reset, invitations). The link carries
// 32 random bytes; only their SHA-256 is stored, so a copy of the database opens nothing. Using a
// token is one conditional UPDATE: of two concurrent uses, exactly one gets the row.
import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { authTokens } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { newId } from "@/lib/ids";

export type TokenKind = "verify_email" | "reset_password";

export const TOKEN_TTL_MS: Record<TokenKind, number> = {
  verify_email: 24 * 3600_000,
  reset_password: 3600_000,
};

export function newSecret(): { token: string; hash: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, hash: hashSecret(token) };
}

export function hashSecret(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

/** A well-formed token is 43 base64url characters; anything else is not looked up. */
export function isTokenShaped(token: unknown): token is string {
  return typeof token === "string" && /^[A-Za-z0-9_-]{43}$/.test(token);
}

/** Issues a token; earlier unused tokens of the same kind for the user stop working. */
export async function issueToken(tx: DbOrTx, input: { kind: TokenKind; userId: string; email: string }): Promise<string> {
  const { token, hash } = newSecret();
  await tx
    .update(authTokens)
    .set({ usedAt: sql`now()` })
    .where(and(eq(authTokens.userId, input.userId), eq(authTokens.kind, input.kind), isNull(authTokens.usedAt)));
  await tx.insert(authTokens).values({
    id: newId("authToken"),
    kind: input.kind,
    userId: input.userId,
    email: input.email,
    tokenHash: hash,
    expiresAt: new Date(Date.now() + TOKEN_TTL_MS[input.kind]),
  });
  return token;
}

/** Marks the token used and returns whose it was; null when unknown, used, expired or of another kind. */
export async function consumeToken(tx: DbOrTx, kind: TokenKind, token: unknown): Promise<{ userId: string; email: string } | null> {
  if (!isTokenShaped(token)) return null;
  const [row] = await tx
    .update(authTokens)
    .set({ usedAt: sql`now()` })
    .where(and(eq(authTokens.tokenHash, hashSecret(token)), eq(authTokens.kind, kind), isNull(authTokens.usedAt), gt(authTokens.expiresAt, sql`now()`)))
    .returning({ userId: authTokens.userId, email: authTokens.email });
  return row ?? null;
}

/** Whether a token is currently usable, without using it (to render the page that uses it). */
export async function peekToken(tx: DbOrTx, kind: TokenKind, token: unknown): Promise<{ userId: string; email: string } | null> {
  if (!isTokenShaped(token)) return null;
  const [row] = await tx
    .select({ userId: authTokens.userId, email: authTokens.email })
    .from(authTokens)
    .where(and(eq(authTokens.tokenHash, hashSecret(token)), eq(authTokens.kind, kind), isNull(authTokens.usedAt), gt(authTokens.expiresAt, sql`now()`)))
    .limit(1);
  return row ?? null;
}
