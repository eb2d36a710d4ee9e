import type { Metadata } from "next";
import { MarkReadButton } from "@/components/console/mark-read";
import { NoAccess } from "@/components/console/no-access";
import { Pager, Segmented } from "@/components/console/pager";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Time } from "@/components/ui/time";
import { listNotifications, unreadNotificationCount } from "@/lib/accounts/notifications";
import { pageAccess, param, type SearchParams } from "../_lib/context";

export const metadata: Metadata = { title: "Notifications" };

const KIND: Record<string, string> = {
  credits_expiring: "Credits expiring",
  low_balance: "Low balance",
  dispute_update: "Dispute",
};

export default async function NotificationsPage({ searchParams }: { searchParams: SearchParams }) {
  const access = await pageAccess();
  if (!access.ok) return <NoAccess title="Notifications" reason={access.reason} />;
  const sp = await searchParams;
  const unreadOnly = param(sp, "show") === "unread";
  const cursor = param(sp, "cursor");
  const [{ rows, nextCursor }, unread] = await Promise.all([
    listNotifications(access.db, access.actor, { unreadOnly, cursor }),
    unreadNotificationCount(access.db, access.actor),
  ]);

  return (
    <div className="space-y-6">
      <PageHeader
        title="Notifications"
        description={unread ? `${unread} unread` : "You're all caught up."}
        actions={unread ? <MarkReadButton all label="Mark all as read" /> : null}
      />
      <Segmented
        label="Show"
        path="/notifications"
        params={{}}
        name="show"
        value={unreadOnly ? "unread" : ""}
        options={[
          { value: "", label: "All" },
          { value: "unread", label: "Unread" },
        ]}
      />
      <Card>
        {rows.length === 0 ? (
          <EmptyState title={unreadOnly ? "No unread notifications" : "No notifications"}>
            Alerts about expiring credits, low balance and your disputes appear here.
          </EmptyState>
        ) : (
          <ul className="divide-y divide-slate-100" aria-label="Notifications">
            {rows.map((n) => (
              <li key={n.id} className={`flex flex-wrap items-start justify-between gap-3 px-4 py-3 sm:px-5 ${n.readAt ? "" : "bg-indigo-50/40"}`} data-notification={n.kind}>
                <div className="min-w-0 flex-1">
                  <div className="flex flex-wrap items-center gap-2">
                    {!n.readAt ? <span className="h-2 w-2 rounded-full bg-indigo-600" aria-label="Unread" /> : null}
                    <p className="font-medium text-slate-900">{n.title}</p>
                    <Badge>{KIND[n.kind] ?? n.kind.replace(/_/g, " ")}</Badge>
                  </div>
                  <p className="mt-1 whitespace-pre-wrap break-words text-sm text-slate-700">{n.body}</p>
                  <p className="mt-1 text-xs text-slate-500">
                    <Time value={n.createdAt} />
                  </p>
                </div>
                {!n.readAt ? <MarkReadButton id={n.id} label="Mark as read" /> : null}
              </li>
            ))}
          </ul>
        )}
        <Pager path="/notifications" params={{ show: unreadOnly ? "unread" : undefined }} nextCursor={nextCursor} hasCursor={Boolean(cursor)} label="Notification pages" />
      </Card>
    </div>
  );
}
