"use client";

import { signOut } from "next-auth/react";
import { useHydrated } from "@/components/ui/client-button";

export function SignOutButton({ className }: { className?: string }) {
  const hydrated = useHydrated();
  return (
    <button type="button" disabled={!hydrated} onClick={() => void signOut({ callbackUrl: "/signin" })} className={className ?? "rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100"}>
      Sign out
    </button>
  );
}
