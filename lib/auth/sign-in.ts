// The credentials sign-in, step by step: throttle check (before any hashing), password, second
// factor, then the outcome is counted and audited. next-auth's authorize() is a thin wrapper.
import type { Db } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { auditUserEvent } from "./events";
import { verifySecondFactor } from "./totp";
import { assertSignInAllowed, recordSignInFailure, recordSignInSuccess } from "./throttle";
import { authenticate } from "./users";

export interface PasswordSignIn {
  email: string;
  password: string;
  /** The client's address (lib/gateway/client-address clientIp), null when unknown. */
  address: string | null;
  /** Second factor: a TOTP code or a recovery code, when the user has two-factor on. */
  code?: string;
}

/** Thrown messages next-auth hands to the sign-in form as `error`. */
export const TWO_FACTOR_REQUIRED = "TwoFactorRequired";
export const TWO_FACTOR_INVALID = "TwoFactorInvalid";

export interface SignedInUser {
  id: string;
  email: string;
  name: string | null;
  sessionVersion: number;
}

/**
 * The user when the credentials are right; null when not. Throws RATE_LIMITED (with the message
 * the user sees) while the email or the address is locked out, and UNAUTHENTICATED with
 * TWO_FACTOR_REQUIRED / TWO_FACTOR_INVALID when the second factor is missing or wrong.
 */
export async function signInWithPassword(db: Db, input: PasswordSignIn): Promise<SignedInUser | null> {
  const subject = { email: input.email, address: input.address };
  await assertSignInAllowed(subject);
  const { user, known } = await authenticate(db, input.email, input.password);
  if (!user) {
    const lockMs = await recordSignInFailure(subject);
    if (known) {
      await db.transaction(async (tx) => {
        await auditUserEvent(tx, known.id, "auth.sign_in_failed", { reason: "password" }, { anonymous: true });
        if (lockMs > 0) await auditUserEvent(tx, known.id, "auth.sign_in_locked", { minutes: Math.ceil(lockMs / 60_000) }, { anonymous: true });
      });
    }
    return null;
  }
  let method = "password";
  if (user.totpEnabledAt) {
    // The password was right; without the second factor that is all the caller learns.
    if (!input.code) throw new AppError("UNAUTHENTICATED", TWO_FACTOR_REQUIRED);
    const how = await verifySecondFactor(db, user.id, input.code);
    if (!how) {
      const lockMs = await recordSignInFailure(subject);
      await db.transaction(async (tx) => {
        await auditUserEvent(tx, user.id, "auth.sign_in_failed", { reason: "second_factor" }, { anonymous: true });
        if (lockMs > 0) await auditUserEvent(tx, user.id, "auth.sign_in_locked", { minutes: Math.ceil(lockMs / 60_000) }, { anonymous: true });
      });
      throw new AppError("UNAUTHENTICATED", TWO_FACTOR_INVALID);
    }
    method = how === "recovery" ? "password+recovery_code" : "password+totp";
    if (how === "recovery") await db.transaction((tx) => auditUserEvent(tx, user.id, "auth.2fa_recovery_used"));
  }
  await recordSignInSuccess(input.email);
  await db.transaction((tx) => auditUserEvent(tx, user.id, "auth.sign_in", { method }));
  return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
}
