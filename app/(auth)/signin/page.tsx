import type { Metadata } from "next";
import { Suspense } from "react";
import { SignInForm } from "@/components/auth/sign-in-form";
import { enabledOAuthProviders } from "@/lib/auth/options";

export const metadata: Metadata = { title: "Sign in" };
export const dynamic = "force-dynamic";

export default function SignInPage() {
  return (
    <Suspense>
      <SignInForm oauth={enabledOAuthProviders()} />
    </Suspense>
  );
}
