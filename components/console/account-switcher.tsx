"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { switchAccountAction } from "@/app/(console)/actions";
import { useHydrated } from "@/components/ui/client-button";

export function AccountSwitcher({ accounts, currentId }: { accounts: { id: string; name: string; role: string }[]; currentId: string }) {
  // onChange exists only after hydration; until then the select must not look usable.
  const hydrated = useHydrated();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const router = useRouter();
  return (
    <div className="flex items-center gap-2">
      <label htmlFor="account-switcher" className="sr-only">
        Current account
      </label>
      <select
        id="account-switcher"
        value={currentId}
        disabled={!hydrated || pending}
        onChange={(e) => {
          const accountId = e.target.value;
          startTransition(async () => {
            const res = await switchAccountAction({ accountId });
            if (!res.ok) setError(res.error.message);
            else {
              setError(null);
              router.refresh();
            }
          });
        }}
        className="max-w-[14rem] truncate rounded-md border-0 bg-white py-1.5 pl-2 pr-8 text-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600"
      >
        {accounts.map((a) => (
          <option key={a.id} value={a.id}>
            {a.name} ({a.role})
          </option>
        ))}
      </select>
      {error ? (
        <span role="alert" className="text-xs text-red-700">
          {error}
        </span>
      ) : null}
    </div>
  );
}
