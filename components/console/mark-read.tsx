"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { markNotificationsReadAction } from "@/app/(console)/actions";
import { ClientButton as Button } from "@/components/ui/client-button";

export function MarkReadButton({ id, all = false, label }: { id?: string; all?: boolean; label: string }) {
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const router = useRouter();
  return (
    <>
      <Button
        variant={all ? "secondary" : "ghost"}
        size="sm"
        disabled={pending}
        onClick={() =>
          startTransition(async () => {
            const res = await markNotificationsReadAction(all ? { all: true } : { ids: [id] }).catch(() => null);
            if (!res || !res.ok) return setError(res ? res.error.message : "Could not reach the server.");
            router.refresh();
          })
        }
      >
        {pending ? "Marking…" : label}
      </Button>
      {error ? (
        <span role="alert" className="text-xs text-red-700">
          {error}
        </span>
      ) : null}
    </>
  );
}
