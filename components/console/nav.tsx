"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/components/ui/cn";

export interface NavItem {
  href: string;
  label: string;
  badge?: number;
}

function isActive(pathname: string, href: string): boolean {
  return pathname === href || pathname.startsWith(`${href}/`);
}

/** Console navigation: a sidebar on wide screens, a horizontally scrolling bar on phones. */
export function ConsoleNav({ items, staffItems }: { items: NavItem[]; staffItems: NavItem[] }) {
  const pathname = usePathname();
  const link = (item: NavItem) => {
    const active = isActive(pathname, item.href);
    return (
      <li key={item.href} className="shrink-0">
        <Link
          href={item.href}
          aria-current={active ? "page" : undefined}
          className={cn(
            "flex items-center justify-between gap-2 rounded-md px-3 py-2 text-sm font-medium focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-indigo-600",
            active ? "bg-indigo-50 text-indigo-800" : "text-slate-700 hover:bg-slate-100 hover:text-slate-900",
          )}
        >
          <span>{item.label}</span>
          {item.badge ? (
            <span className="rounded-full bg-indigo-600 px-1.5 py-0.5 text-xs font-semibold text-white" aria-label={`${item.badge} unread`}>
              {item.badge > 99 ? "99+" : item.badge}
            </span>
          ) : null}
        </Link>
      </li>
    );
  };
  return (
    <nav aria-label="Console" className="lg:w-56">
      <ul className="-mx-1 flex gap-1 overflow-x-auto px-1 pb-1 lg:mx-0 lg:flex-col lg:overflow-visible lg:px-0">{items.map(link)}</ul>
      {staffItems.length ? (
        <>
          <p className="mb-1 mt-4 hidden px-3 text-xs font-semibold uppercase tracking-wide text-slate-500 lg:block">Staff</p>
          <ul aria-label="Staff" className="-mx-1 mt-1 flex gap-1 overflow-x-auto px-1 pb-1 lg:mx-0 lg:mt-0 lg:flex-col lg:overflow-visible lg:px-0">
            {staffItems.map(link)}
          </ul>
        </>
      ) : null}
    </nav>
  );
}
