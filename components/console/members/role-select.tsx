"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { changeMemberRoleAction } from "@/app/(console)/members/actions";
import { Select } from "@/components/ui/select";
import { ROLE_OPTIONS } from "./roles";
import { useHydrated } from "@/components/ui/client-button";

/** Changes a member's role as soon as another one is picked; errors are announced inline. */
export function RoleSelect({ userId, email, role, canGrantOwner }: { userId: string; email: string; role: string; canGrantOwner: boolean }) {
  // onChange exists only after hydration; until then the select must not look usable.
  const hydrated = useHydrated();
  const [pending, startTransition] = useTransition();
  const [value, setValue] = useState(role);
  const [error, setError] = useState<string | null>(null);
  const router = useRouter();
  const options = ROLE_OPTIONS.filter((o) => canGrantOwner || o.value !== "owner" || role === "owner").map((o) => ({ value: o.value, label: o.value[0].toUpperCase() + o.value.slice(1) }));
  return (
    <div className="space-y-1">
      <label htmlFor={`role-${userId}`} className="sr-only">
        Role of {email}
      </label>
      <Select
        id={`role-${userId}`}
        value={value}
        disabled={!hydrated || pending || (role === "owner" && !canGrantOwner)}
        className="w-36 py-1.5"
        options={options}
        onChange={(e) => {
          const next = e.target.value;
          const previous = value;
          setValue(next);
          setError(null);
          startTransition(async () => {
            const res = await changeMemberRoleAction({ userId, role: next }).catch(() => null);
            if (!res || !res.ok) {
              setValue(previous);
              setError(res ? res.error.message : "Could not reach the server.");
              return;
            }
            router.refresh();
          });
        }}
      />
      {error ? (
        <p role="alert" className="max-w-[16rem] whitespace-normal text-xs text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}
