"use client";

import { RouteError } from "@/components/console/route-error";

export default function AuditError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return <RouteError error={error} reset={reset} title="Audit log" />;
}
