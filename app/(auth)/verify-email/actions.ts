"use server";

import { getDb } from "@/lib/db";
import { isAppError } from "@/lib/errors";
import { getSessionUser } from "@/lib/auth/session";
import { resendVerificationEmail, verifyEmail } from "@/lib/auth/verification";
import { errFields, log } from "@/lib/log";

export interface LinkActionState {
  ok: boolean;
  message: string;
}

// The token alone proves the mailbox: verifying works signed in or not (another browser, phone).
export async function verifyEmailAction(_prev: LinkActionState | null, formData: FormData): Promise<LinkActionState> {
  try {
    const { email } = await verifyEmail(await getDb(), formData.get("token"));
    return { ok: true, message: `${email} is verified.` };
  } catch (e) {
    if (isAppError(e) && e.status < 500) return { ok: false, message: e.message };
    log("auth").error(errFields(e), "email verification failed");
    return { ok: false, message: "Something went wrong. Please try again." };
  }
}

export async function resendVerificationAction(): Promise<LinkActionState> {
  const user = await getSessionUser();
  if (!user) return { ok: false, message: "Please sign in again." };
  try {
    await resendVerificationEmail(await getDb(), user);
    return { ok: true, message: `We sent a new link to ${user.email}.` };
  } catch (e) {
    if (isAppError(e) && e.status < 500) return { ok: false, message: e.message };
    log("auth").error(errFields(e), "resending the verification link failed");
    return { ok: false, message: "Something went wrong. Please try again." };
  }
}
