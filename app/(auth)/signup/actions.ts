"use server";

import { getDb } from "@/lib/db";
import { isAppError } from "@/lib/errors";
import { signUpSchema } from "@/lib/auth/schemas";
import { createUserWithAccount } from "@/lib/auth/users";
import { errFields, log } from "@/lib/log";

export interface SignUpState {
  ok: boolean;
  fieldErrors?: Record<string, string[]>;
  formError?: string;
  email?: string;
}

export async function signUpAction(_prev: SignUpState | null, formData: FormData): Promise<SignUpState> {
  const parsed = signUpSchema.safeParse({
    name: formData.get("name") ?? undefined,
    email: formData.get("email") ?? undefined,
    password: formData.get("password") ?? undefined,
  });
  if (!parsed.success) {
    const fieldErrors: Record<string, string[]> = {};
    for (const issue of parsed.error.issues) (fieldErrors[String(issue.path[0] ?? "_form")] ??= []).push(issue.message);
    return { ok: false, fieldErrors };
  }
  try {
    await createUserWithAccount(await getDb(), parsed.data);
    return { ok: true, email: parsed.data.email };
  } catch (e) {
    if (isAppError(e) && e.code === "CONFLICT") return { ok: false, fieldErrors: { email: [e.message] } };
    log("auth").error(errFields(e), "sign-up failed");
    return { ok: false, formError: "Sign-up failed. Please try again." };
  }
}
