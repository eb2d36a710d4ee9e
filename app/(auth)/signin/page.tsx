import type { Metadata } from "next";
import { Suspense } from "react";
import { SignInForm } from "@/components/auth/sign-in-form";
import { enabledOAuthProviders } from "@/lib/auth/options";
import { OAUTH_REFUSED_MESSAGE } from "@/lib/auth/oauth";
import { safeCallbackPath } from "@/lib/auth/redirect";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  const sp = await searchParams;
  const raw = sp.callbackUrl;
  // Decided on the server: the form only ever receives a path on our own origin.
  const callbackUrl = safeCallbackPath(Array.isArray(raw) ? raw[0] : raw);
  const notice = sp.error === "OAuthLinkRefused" ? OAUTH_REFUSED_MESSAGE : sp.error ? "Sign-in failed. Please try again." : null;
  return (
    <Suspense>
      <SignInForm oauth={enabledOAuthProviders()} callbackUrl={callbackUrl} notice={notice} />
    </Suspense>
  );
}
