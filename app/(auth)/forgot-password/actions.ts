"use server";

import { headers } from "next/headers";
import { getDb } from "@/lib/db";
import { clientIp } from "@/lib/gateway/client-address";
import { errorState, formFields, zodFailure, type FormState } from "@/lib/auth/form-state";
import { requestPasswordReset } from "@/lib/auth/passwords";
import { forgotPasswordSchema } from "@/lib/auth/schemas";

export async function forgotPasswordAction(_prev: FormState | null, formData: FormData): Promise<FormState> {
  const parsed = forgotPasswordSchema.safeParse(formFields(formData, ["email"]));
  if (!parsed.success) return zodFailure(parsed.error);
  try {
    await requestPasswordReset(await getDb(), parsed.data.email, { address: clientIp(await headers()) });
    return { ok: true, message: `If ${parsed.data.email} has a Tollgate account, we sent it a link to reset the password. It works for 1 hour.` };
  } catch (e) {
    return errorState(e, "password reset request");
  }
}
