// Signing in over HTTP exactly as the browser's next-auth client does (CSRF cookie + token,
// credentials POST with json=true), for tests that run the built app.
export interface SignInResult {
  status: number;
  /** next-auth's `error` (e.g. CredentialsSignin, or the message authorize() threw); null on success. */
  error: string | null;
  /** Cookie header carrying the session (when signed in). */
  cookie: string;
}

export async function httpSignIn(baseUrl: string, fields: Record<string, string>, opts: { forwardedFor?: string } = {}): Promise<SignInResult> {
  const extra: Record<string, string> = opts.forwardedFor ? { "x-forwarded-for": opts.forwardedFor } : {};
  const csrfRes = await fetch(`${baseUrl}/api/auth/csrf`, { headers: extra });
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const csrfCookie = csrfRes.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const res = await fetch(`${baseUrl}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrfCookie, ...extra },
    body: new URLSearchParams({ ...fields, csrfToken, json: "true" }),
  });
  const { url } = (await res.json()) as { url: string };
  const cookie = [csrfCookie, ...res.headers.getSetCookie().map((c) => c.split(";")[0])].join("; ");
  return { status: res.status, error: new URL(url).searchParams.get("error"), cookie };
}

/** The session as /api/auth/session reports it for this cookie. */
export async function sessionOf(baseUrl: string, cookie: string): Promise<{ user?: { id?: string; email?: string } }> {
  return (await (await fetch(`${baseUrl}/api/auth/session`, { headers: { cookie } })).json()) as { user?: { id?: string; email?: string } };
}
