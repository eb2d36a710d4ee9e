// Re-issues the caller's own session cookie after its session version changed (password change):
// every other session dies, this one continues. Same cookie name and lifetime as next-auth's.
import { encode } from "next-auth/jwt";
import { cookies } from "next/headers";
import { env } from "@/lib/env";
import { authSecret } from "./secret";

const MAX_AGE = 7 * 24 * 3600;

export async function reissueSession(user: { id: string; email: string; name: string | null; sessionVersion: number }): Promise<void> {
  const jar = await cookies();
  const secure = jar.has("__Secure-next-auth.session-token") || (env().NEXTAUTH_URL ?? env().APP_URL ?? "").startsWith("https://");
  const name = `${secure ? "__Secure-" : ""}next-auth.session-token`;
  const token = await encode({ token: { sub: user.id, uid: user.id, sv: user.sessionVersion, email: user.email, name: user.name }, secret: authSecret(), maxAge: MAX_AGE });
  jar.set(name, token, { httpOnly: true, sameSite: "lax", path: "/", secure, maxAge: MAX_AGE });
}
