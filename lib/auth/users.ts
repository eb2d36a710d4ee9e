// Users and their first account. Shared by the sign-up form, OAuth sign-in and the CLI.
import { eq } from "drizzle-orm";
import { accounts, memberships, users } from "@/db/schema";
import type { Db } from "@/lib/db";
import { writeAudit, type ActorKind } from "@/lib/audit";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { hashPassword, verifyPassword } from "./password";
import { TERMS_VERSION } from "./terms";
import { auditUserEvent } from "./events";
import { isUniqueViolation } from "@/lib/db/errors";

export interface CreatedUser {
  userId: string;
  accountId: string;
}

/** A new user who owns a new account. Email must be free (CONFLICT otherwise). */
export async function createUserWithAccount(
  db: Db,
  input: { email: string; name?: string | null; password?: string | null; isStaff?: boolean; emailVerified?: boolean; termsVersion?: string | null },
  actorKind: ActorKind = "user",
): Promise<CreatedUser> {
  const email = input.email.trim().toLowerCase();
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  const userId = newId("user");
  const accountId = newId("account");
  const accountName = input.name?.trim() ? `${input.name.trim()}'s account` : email;
  try {
    await db.transaction(async (tx) => {
      await tx.insert(users).values({
        id: userId,
        email,
        name: input.name?.trim() || null,
        passwordHash,
        isStaff: input.isStaff ?? false,
        emailVerifiedAt: input.emailVerified ? new Date() : null,
        termsVersion: input.termsVersion ?? null,
        termsAcceptedAt: input.termsVersion ? new Date() : null,
      });
      await tx.insert(accounts).values({ id: accountId, name: accountName });
      await tx.insert(memberships).values({ accountId, userId, role: "owner" });
      await writeAudit(tx, { accountId, actorUserId: actorKind === "user" ? userId : null, actorKind, action: "user.create", targetType: "user", targetId: userId, data: { email, isStaff: input.isStaff ?? false } });
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("CONFLICT", "An account with this email already exists", { param: "email" });
    throw e;
  }
  return { userId, accountId };
}

export async function findUserByEmail(db: Db, email: string) {
  const [user] = await db.select().from(users).where(eq(users.email, email.trim().toLowerCase())).limit(1);
  return user;
}

// A fixed argon2id hash so a sign-in for an unknown email costs the same time as a real one.
let dummyHash: Promise<string> | undefined;

/**
 * `user` when email and password match; `known` is the user the email belongs to, matched or
 * not (for auditing a failure). Same timing whether the email exists or not.
 */
export async function authenticate(db: Db, email: string, password: string) {
  const found = await findUserByEmail(db, email);
  if (!found?.passwordHash) {
    dummyHash ??= hashPassword("tollgate-timing-equaliser");
    await verifyPassword(await dummyHash, password);
    return { user: null, known: found ?? null };
  }
  return { user: (await verifyPassword(found.passwordHash, password)) ? found : null, known: found };
}

/** Records acceptance of the current terms version (sign-up with OAuth, or a new version). */
export async function acceptTerms(db: Db, userId: string): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.update(users).set({ termsVersion: TERMS_VERSION, termsAcceptedAt: new Date() }).where(eq(users.id, userId));
    await auditUserEvent(tx, userId, "user.terms_accept", { version: TERMS_VERSION });
  });
}
