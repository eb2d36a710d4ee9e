import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AcceptTermsForm } from "@/components/auth/accept-terms-form";
import { requireUser } from "@/lib/auth/session";

export const metadata: Metadata = { title: "Accept the terms" };

// Users who signed up without the checkbox (OAuth, or before the terms existed) land here
// from the console until they accept.
export default async function AcceptTermsPage() {
  const user = await requireUser();
  if (user.termsAccepted) redirect("/overview");
  return <AcceptTermsForm email={user.email} />;
}
