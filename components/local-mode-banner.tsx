import { connection } from "next/server";
import { features } from "@/lib/env";

/**
 * Shown on every page of the local evaluation server (`npm start` with the embedded database and
 * no Stripe keys), where anyone may top up through the simulated payment.
 */
export async function LocalModeBanner() {
  await connection(); // decided at run time, by the server's environment, never at build time
  if (!features.localMode()) return null;
  return (
    <aside aria-label="Local evaluation server" data-testid="local-mode-banner" className="border-b border-amber-300 bg-amber-50 px-4 py-2 text-center text-sm text-amber-950">
      <strong className="font-semibold">Local evaluation server.</strong> Data lives in the embedded database on this machine and
      top-ups use a simulated payment: no money moves. Set <code>DATABASE_URL</code> and Stripe keys to run it for real.
    </aside>
  );
}
