import type { ReactNode } from "react";
import { buttonClasses } from "@/components/ui/button";

/** A GET form for list filters: works without JavaScript and keeps filters in the URL. */
export function FilterBar({ path, children, label = "Filters", keep }: { path: string; children: ReactNode; label?: string; keep?: Record<string, string | undefined> }) {
  return (
    <form method="get" action={path} role="search" aria-label={label} className="flex flex-wrap items-end gap-3 border-b border-slate-200 px-4 py-3">
      {Object.entries(keep ?? {}).map(([k, v]) => (v ? <input key={k} type="hidden" name={k} value={v} /> : null))}
      {children}
      <div className="flex gap-2">
        <button type="submit" className={buttonClasses("primary", "sm")}>
          Apply
        </button>
        <a href={path} className={buttonClasses("ghost", "sm")}>
          Reset
        </a>
      </div>
    </form>
  );
}

export function FilterField({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  return (
    <div className="min-w-[8rem] space-y-1">
      <label htmlFor={id} className="block text-xs font-medium text-slate-700">
        {label}
      </label>
      {children}
    </div>
  );
}
