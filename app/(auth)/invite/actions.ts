"use server";

import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { getDb } from "@/lib/db";
import { env } from "@/lib/env";
import { isAppError } from "@/lib/errors";
import { ACCOUNT_COOKIE, getSessionUser } from "@/lib/auth/session";
import { acceptInvitation } from "@/lib/members";
import type { LinkActionState } from "../verify-email/actions";
import { errFields, log } from "@/lib/log";

export async function acceptInvitationAction(_prev: LinkActionState | null, formData: FormData): Promise<LinkActionState> {
  const user = await getSessionUser();
  if (!user) return { ok: false, message: "Please sign in again." };
  let joined: { accountId: string };
  try {
    joined = await acceptInvitation(await getDb(), { userId: user.id }, formData.get("token"));
  } catch (e) {
    if (isAppError(e) && e.status < 500) return { ok: false, message: e.message };
    log("auth").error(errFields(e), "accepting an invitation failed");
    return { ok: false, message: "Something went wrong. Please try again." };
  }
  // Land in the account just joined (the link is used up, so this page has nothing more to show).
  (await cookies()).set(ACCOUNT_COOKIE, joined.accountId, { httpOnly: true, sameSite: "lax", path: "/", secure: (env().APP_URL ?? "").startsWith("https") });
  redirect("/overview");
}
