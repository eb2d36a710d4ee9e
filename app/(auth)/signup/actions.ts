"use server";

import { headers } from "next/headers";
import { getDb } from "@/lib/db";
import { clientIp } from "@/lib/gateway/client-address";
import { signUp, type SignUpState } from "@/lib/auth/sign-up";

export type { SignUpState };

export async function signUpAction(_prev: SignUpState | null, formData: FormData): Promise<SignUpState> {
  const raw = { name: formData.get("name") ?? undefined, email: formData.get("email") ?? undefined, password: formData.get("password") ?? undefined, acceptTerms: formData.get("acceptTerms") ?? undefined };
  return signUp(await getDb(), raw, { address: clientIp(await headers()) });
}
