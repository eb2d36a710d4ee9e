// Sign-up with email and password: validated, throttled per client address, terms recorded.
// The answer never says whether the address was already registered: both get { ok: true } and
// an email (a verification link, or a note to the existing owner).
import type { Db } from "@/lib/db";
import { isAppError } from "@/lib/errors";
import { signUpSchema } from "./schemas";
import { TERMS_VERSION } from "./terms";
import { assertSignUpAllowed } from "./throttle";
import { createUserWithAccount } from "./users";
import { sendVerificationEmail } from "./verification";
import { appLink, deliverLinkMail } from "@/lib/mail/links";
import { errFields, log } from "@/lib/log";

export interface SignUpState {
  ok: boolean;
  fieldErrors?: Record<string, string[]>;
  formError?: string;
  email?: string;
  /** What was typed (not the password), so the form can show it again after an error. */
  values?: { name: string; email: string };
}

export async function signUp(db: Db, raw: Record<string, unknown>, ctx: { address: string | null }): Promise<SignUpState> {
  const typed = (name: string) => (typeof raw[name] === "string" ? (raw[name] as string).slice(0, 254) : "");
  const values = { name: typed("name"), email: typed("email") };
  const parsed = signUpSchema.safeParse(raw);
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of parsed.error.issues) (fieldErrors[String(issue.path[0] ?? "_form")] ??= []).push(issue.message);
    return { ok: false, fieldErrors, values };
  }
  try {
    // Counted before the work (an argon2 hash, rows, an email), whatever the outcome.
    await assertSignUpAllowed(ctx.address);
    const { name, email, password } = parsed.data;
    try {
      const created = await createUserWithAccount(db, { name, email, password, termsVersion: TERMS_VERSION });
      await sendVerificationEmail(db, { id: created.userId, email });
    } catch (e) {
      if (!(isAppError(e) && e.code === "CONFLICT")) throw e;
      // Already registered: the same answer as a new sign-up; the owner of the address hears about it.
      await deliverLinkMail({
        to: email,
        subject: "Someone tried to create a Tollgate account with your address",
        text: `Your address already has a Tollgate account, so no new one was created.\n\nIf it was you, sign in, or reset your password here:\n\n${appLink("/forgot-password", {})}\n\nIf it was not you, you can ignore this message.`,
      });
    }
    return { ok: true, email };
  } catch (e) {
    if (isAppError(e) && e.code === "RATE_LIMITED") return { ok: false, formError: e.message, values };
    log("auth").error(errFields(e), "sign-up failed");
    return { ok: false, formError: "Sign-up failed. Please try again.", values };
  }
}
