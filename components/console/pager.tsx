import Link from "next/link";
import { buttonClasses } from "@/components/ui/button";

/** A URL for `path` with the given params (empty values dropped). */
export function hrefWith(path: string, params: Record<string, string | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** Keyset pagination: "Older" follows the cursor; "Newest" returns to the first page. */
export function Pager({
  path,
  params,
  nextCursor,
  hasCursor,
  label = "Pagination",
  nextLabel = "Older",
  firstLabel = "Newest",
}: {
  path: string;
  params: Record<string, string | undefined>;
  nextCursor: string | null;
  hasCursor: boolean;
  label?: string;
  nextLabel?: string;
  firstLabel?: string;
}) {
  if (!nextCursor && !hasCursor) return null;
  return (
    <nav aria-label={label} className="flex items-center justify-between gap-2 border-t border-slate-200 px-4 py-3">
      {hasCursor ? (
        <Link href={hrefWith(path, { ...params, cursor: undefined })} className={buttonClasses("secondary", "sm")}>
          ← {firstLabel}
        </Link>
      ) : (
        <span />
      )}
      {nextCursor ? (
        <Link href={hrefWith(path, { ...params, cursor: nextCursor })} className={buttonClasses("secondary", "sm")} rel="next">
          {nextLabel} →
        </Link>
      ) : (
        <span className="text-xs text-slate-500">End of list</span>
      )}
    </nav>
  );
}

/** Links that pick one value of a query parameter (e.g. a 7/30/90 day range). */
export function Segmented({
  label,
  path,
  params,
  name,
  value,
  options,
}: {
  label: string;
  path: string;
  params: Record<string, string | undefined>;
  name: string;
  value: string;
  options: { value: string; label: string }[];
}) {
  return (
    <div role="group" aria-label={label} className="inline-flex rounded-md shadow-sm ring-1 ring-inset ring-slate-300">
      {options.map((o, i) => {
        const active = o.value === value;
        return (
          <Link
            key={o.value}
            href={hrefWith(path, { ...params, [name]: o.value, cursor: undefined })}
            aria-current={active ? "true" : undefined}
            className={`px-3 py-1.5 text-sm font-medium focus-visible:z-10 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600 ${
              active ? "bg-indigo-600 text-white" : "bg-white text-slate-700 hover:bg-slate-50"
            } ${i === 0 ? "rounded-l-md" : ""} ${i === options.length - 1 ? "rounded-r-md" : ""}`}
          >
            {o.label}
          </Link>
        );
      })}
    </div>
  );
}
