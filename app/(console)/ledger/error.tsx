"use client";

import { RouteError } from "@/components/console/route-error";

export default function LedgerError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <RouteError error={error} reset={reset} title="Ledger" />;
}
