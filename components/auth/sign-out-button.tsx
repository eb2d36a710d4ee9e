"use client";

import { signOut } from "next-auth/react";

export function SignOutButton({ className }: { className?: string }) {
  return (
    <button type="button" onClick={() => void signOut({ callbackUrl: "/signin" })} className={className ?? "rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100"}>
      Sign out
    </button>
  );
}
