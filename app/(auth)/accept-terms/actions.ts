"use server";

import { redirect } from "next/navigation";
import { getDb } from "@/lib/db";
import { acceptTermsSchema } from "@/lib/auth/schemas";
import { getSessionUser } from "@/lib/auth/session";
import { acceptTerms } from "@/lib/auth/users";

export interface AcceptTermsState {
  fieldErrors?: Record<string, string[]>;
}

export async function acceptTermsAction(_prev: AcceptTermsState | null, formData: FormData): Promise<AcceptTermsState> {
  const user = await getSessionUser();
  if (!user) redirect("/signin");
  const parsed = acceptTermsSchema.safeParse(formData.get("acceptTerms") ?? undefined);
  if (!parsed.success) return { fieldErrors: { acceptTerms: parsed.error.issues.map((i) => i.message) } };
  await acceptTerms(await getDb(), user.id);
  redirect("/overview");
}
