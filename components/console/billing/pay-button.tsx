"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { completeSimulatedPaymentAction } from "@/app/(console)/billing/actions";
import { Alert } from "@/components/ui/alert";
import { ClientButton as Button } from "@/components/ui/client-button";

export function SimulatedPayButton({ sessionId, label }: { sessionId: string; label: string }) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const router = useRouter();
  return (
    <div className="space-y-3">
      <Button
        disabled={pending}
        className="w-full py-3 text-base"
        onClick={() =>
          startTransition(async () => {
            const res = await completeSimulatedPaymentAction({ sessionId }).catch(() => null);
            if (!res) return setError("Could not reach the server. Try again.");
            if (!res.ok) return setError(res.error.message);
            router.push(`/billing/success?session_id=${encodeURIComponent(sessionId)}`);
          })
        }
      >
        {pending ? "Processing…" : label}
      </Button>
      {error ? (
        <Alert tone="error" live>
          {error}
        </Alert>
      ) : null}
    </div>
  );
}
