import type { Metadata } from "next";
import { TERMS_VERSION } from "@/lib/auth/terms";

export const metadata: Metadata = { title: "Terms of service" };

export default function TermsPage() {
  return (
    <article className="space-y-3 text-sm text-slate-700">
      <h1 className="text-lg font-semibold text-slate-900">Terms of service</h1>
      <p className="text-xs text-slate-500">Version {TERMS_VERSION}</p>
      <p>By creating an account you confirm that you are at least 18 years old, that you are not located in, or ordinarily resident in, a country or region subject to comprehensive sanctions, and that you will not use the service for unlawful purposes.</p>
      <p>Credits are prepaid in US dollars. Calls to the API are charged at the prices shown in the console at the time of the call; the ledger in the console is the record of every charge, refund and adjustment. Charges you believe are wrong can be disputed from the ledger.</p>
      <p>You are responsible for keeping your API keys secret and for all use made with them until you revoke them.</p>
      <p>The operator of this installation may suspend an account that breaks these terms or endangers the service.</p>
    </article>
  );
}
