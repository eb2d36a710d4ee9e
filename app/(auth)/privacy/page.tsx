import type { Metadata } from "next";
import { TERMS_VERSION } from "@/lib/auth/terms";

export const metadata: Metadata = { title: "Privacy policy" };

export default function PrivacyPage() {
  return (
    <article className="space-y-3 text-sm text-slate-700">
      <h1 className="text-lg font-semibold text-slate-900">Privacy policy</h1>
      <p className="text-xs text-slate-500">Version {TERMS_VERSION}</p>
      <p>We keep your name, email address, a hash of your password, and the records needed to bill you: API keys (hashed), request metadata (model, token counts, cost, time, status) and the credit ledger.</p>
      <p>The content of your API requests and responses is never stored or logged — only metadata.</p>
      <p>Client addresses are kept only as keyed hashes in request logs, and briefly in the rate limiter to stop password guessing.</p>
      <p>Email is used for account security (verification, password reset, invitations) and for billing notices.</p>
    </article>
  );
}
