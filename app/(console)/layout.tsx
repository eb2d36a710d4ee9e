import Link from "next/link";
import type { ReactNode } from "react";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { VerifyEmailBanner } from "@/components/auth/verify-banner";
import { AccountSwitcher } from "@/components/console/account-switcher";
import { ConsoleNav, type NavItem } from "@/components/console/nav";
import { can, type Permission } from "@/lib/auth/permissions";
import { unreadNotificationCount } from "@/lib/accounts/notifications";
import { LocalModeBanner } from "@/components/local-mode-banner";
import { accountStatusOf } from "@/lib/accounts/lifecycle";
import { AccountStatusBanner } from "@/components/console/account-status-banner";
import { getConsole } from "./_lib/context";

// Every console page depends on the signed-in user.
export const dynamic = "force-dynamic";

const ITEMS: (NavItem & { permission?: Permission })[] = [
  { href: "/overview", label: "Overview" },
  { href: "/keys", label: "API keys", permission: "keys:read" },
  { href: "/usage", label: "Usage", permission: "usage:read" },
  { href: "/billing", label: "Billing", permission: "billing:read" },
  { href: "/ledger", label: "Ledger", permission: "ledger:read" },
  { href: "/disputes", label: "Disputes", permission: "disputes:read" },
  { href: "/members", label: "Members", permission: "members:read" },
  { href: "/notifications", label: "Notifications" },
  { href: "/audit", label: "Activity", permission: "audit:read" },
  { href: "/settings", label: "Security" },
  { href: "/account", label: "Account" },
];

const STAFF_ITEMS: NavItem[] = [
  { href: "/staff/accounts", label: "Accounts" },
  { href: "/staff/disputes", label: "Dispute queue" },
  { href: "/staff/models", label: "Models" },
  { href: "/staff/audit", label: "Audit log" },
  { href: "/staff/overage", label: "Overage" },
];

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const { db, user, account } = await getConsole();
  const unread = account ? await unreadNotificationCount(db, { userId: user.id, accountId: account.accountId }) : 0;
  const lifetime = account ? await accountStatusOf(db, account.accountId) : null;
  const items = account
    ? ITEMS.filter((i) => !i.permission || can(account.role, i.permission)).map((i) => (i.href === "/notifications" ? { ...i, badge: unread } : i))
    : [];

  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded-md focus:bg-white focus:px-3 focus:py-2 focus:shadow">
        Skip to content
      </a>
      <LocalModeBanner />
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-3 px-4 py-3 sm:px-6">
          <div className="flex min-w-0 items-center gap-4">
            <Link href="/overview" className="text-lg font-semibold tracking-tight text-slate-900">
              Tollgate
            </Link>
            {account && account.accounts.length > 1 ? (
              <AccountSwitcher accounts={account.accounts} currentId={account.accountId} />
            ) : account ? (
              <span className="truncate text-sm text-slate-600" title={account.accountId}>
                {account.accountName}
              </span>
            ) : null}
          </div>
          <div className="flex min-w-0 items-center gap-3">
            <span className="truncate text-sm text-slate-700" data-testid="user-email">
              {user.email}
            </span>
            {account ? <span className="hidden rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600 sm:inline">{account.role}</span> : null}
            {user.isStaff ? <span className="rounded bg-amber-100 px-1.5 py-0.5 text-xs font-medium text-amber-900">staff</span> : null}
            <SignOutButton className="whitespace-nowrap rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100" />
          </div>
        </div>
      </header>
      {user.emailVerified ? null : <VerifyEmailBanner email={user.email} />}
      <div className="mx-auto flex max-w-7xl flex-col gap-6 px-4 py-6 sm:px-6 lg:flex-row lg:gap-8">
        <ConsoleNav items={items} staffItems={user.isStaff ? STAFF_ITEMS : []} />
        <main id="main" tabIndex={-1} className="min-w-0 flex-1 focus:outline-none">
          {lifetime ? <AccountStatusBanner status={lifetime.status} reason={lifetime.reason} balanceMicros={lifetime.balanceMicros} /> : null}
          {children}
        </main>
      </div>
    </div>
  );
}
