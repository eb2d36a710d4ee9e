"use server";

import { getDb } from "@/lib/db";
import { errorState, formFields, zodFailure, type FormState } from "@/lib/auth/form-state";
import { resetPassword } from "@/lib/auth/passwords";
import { resetPasswordSchema } from "@/lib/auth/schemas";

export async function resetPasswordAction(_prev: FormState | null, formData: FormData): Promise<FormState> {
  const parsed = resetPasswordSchema.safeParse(formFields(formData, ["token", "newPassword", "confirmPassword"]));
  if (!parsed.success) return zodFailure(parsed.error);
  try {
    await resetPassword(await getDb(), parsed.data.token, parsed.data.newPassword);
    return { ok: true, message: "Your password is changed and every session was signed out. Sign in with the new password." };
  } catch (e) {
    return errorState(e, "password reset");
  }
}
