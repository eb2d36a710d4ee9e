"use server";

import { getDb } from "@/lib/db";
import { errorState, formFields, zodFailure, type FormState } from "@/lib/auth/form-state";
import { changePassword, signOutEverywhere } from "@/lib/auth/passwords";
import { changePasswordSchema, totpCodeSchema } from "@/lib/auth/schemas";
import { beginTotpEnrolment, confirmTotpEnrolment, disableTotp } from "@/lib/auth/totp";
import { reissueSession } from "@/lib/auth/session-cookie";
import { getSessionUser } from "@/lib/auth/session";

// Account security acts on the signed-in user only (no account role involved), so these use the
// session directly rather than the account-scoped defineAction.

export async function changePasswordAction(_prev: FormState | null, formData: FormData): Promise<FormState> {
  const user = await getSessionUser();
  if (!user) return { ok: false, message: "Please sign in again." };
  const parsed = changePasswordSchema.safeParse(formFields(formData, ["currentPassword", "newPassword", "confirmPassword"]));
  if (!parsed.success) return zodFailure(parsed.error);
  try {
    const { sessionVersion } = await changePassword(await getDb(), user.id, parsed.data);
    await reissueSession({ id: user.id, email: user.email, name: user.name, sessionVersion });
    return { ok: true, message: "Password changed. Every other session was signed out." };
  } catch (e) {
    return errorState(e, "password change");
  }
}

export async function signOutEverywhereAction(): Promise<FormState> {
  const user = await getSessionUser();
  if (!user) return { ok: false, message: "Please sign in again." };
  try {
    await signOutEverywhere(await getDb(), user.id);
    return { ok: true };
  } catch (e) {
    return errorState(e, "sign out everywhere");
  }
}

export async function beginTwoFactorAction(): Promise<FormState> {
  const user = await getSessionUser();
  if (!user) return { ok: false, message: "Please sign in again." };
  try {
    const enrolment = await beginTotpEnrolment(await getDb(), user.id);
    return { ok: true, data: { ...enrolment } };
  } catch (e) {
    return errorState(e, "two-factor setup");
  }
}

export async function confirmTwoFactorAction(_prev: FormState | null, formData: FormData): Promise<FormState> {
  const user = await getSessionUser();
  if (!user) return { ok: false, message: "Please sign in again." };
  const parsed = totpCodeSchema.safeParse(formFields(formData, ["code"]));
  if (!parsed.success) return zodFailure(parsed.error);
  try {
    const { recoveryCodes } = await confirmTotpEnrolment(await getDb(), user.id, parsed.data.code);
    return { ok: true, message: "Two-factor sign-in is on.", data: { recoveryCodes } };
  } catch (e) {
    return errorState(e, "two-factor confirmation");
  }
}

export async function disableTwoFactorAction(_prev: FormState | null, formData: FormData): Promise<FormState> {
  const user = await getSessionUser();
  if (!user) return { ok: false, message: "Please sign in again." };
  const parsed = totpCodeSchema.safeParse(formFields(formData, ["code"]));
  if (!parsed.success) return zodFailure(parsed.error);
  try {
    await disableTotp(await getDb(), user.id, parsed.data.code);
    return { ok: true, message: "Two-factor sign-in is off." };
  } catch (e) {
    return errorState(e, "turning two-factor off");
  }
}
