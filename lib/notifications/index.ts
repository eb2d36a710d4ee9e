// In-app notifications (and, when SMTP is configured, their email copies — see ./email.ts).
// dedupe_key is unique: "one reminder per lot per threshold" and "one alert per low-balance
// crossing" hold across retries and across several app instances without any coordination.
import { and, count, desc, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import { notifications } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { requireAccountPermission, type BillingContext } from "@/lib/billing/access";

export type NotificationKind = "credits_expiring" | "low_balance" | "dispute_update" | (string & {});

export interface NewNotification {
  accountId: string;
  kind: NotificationKind;
  title: string;
  body: string;
  /** Same key → at most one notification, ever. */
  dedupeKey?: string | null;
}

/** Inserts the notifications whose dedupe keys are new; returns the ids actually created. */
export async function createNotifications(db: DbOrTx, items: NewNotification[]): Promise<string[]> {
  if (items.length === 0) return [];
  const inserted = await db
    .insert(notifications)
    .values(items.map((n) => ({ id: newId("notification"), accountId: n.accountId, kind: n.kind, title: n.title, body: n.body, dedupeKey: n.dedupeKey ?? null })))
    .onConflictDoNothing({ target: notifications.dedupeKey })
    .returning({ id: notifications.id });
  return inserted.map((r) => r.id);
}

export async function createNotification(db: DbOrTx, item: NewNotification): Promise<{ created: boolean; id: string | null }> {
  const [id] = await createNotifications(db, [item]);
  return { created: Boolean(id), id: id ?? null };
}

export interface NotificationView {
  id: string;
  kind: string;
  title: string;
  body: string;
  readAt: Date | null;
  createdAt: Date;
}

/** Newest first; `before` (a created_at) pages further back. Any member of the account may read them. */
export async function listNotifications(
  db: DbOrTx,
  ctx: BillingContext,
  opts: { unreadOnly?: boolean; limit?: number; before?: Date } = {},
): Promise<NotificationView[]> {
  await requireAccountPermission(db, ctx, "members:read");
  const limit = Math.max(1, Math.min(opts.limit ?? 50, 200));
  const where = [eq(notifications.accountId, ctx.accountId)];
  if (opts.unreadOnly) where.push(isNull(notifications.readAt));
  if (opts.before) where.push(lt(notifications.createdAt, opts.before));
  return db
    .select({ id: notifications.id, kind: notifications.kind, title: notifications.title, body: notifications.body, readAt: notifications.readAt, createdAt: notifications.createdAt })
    .from(notifications)
    .where(and(...where))
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(limit);
}

export async function countUnreadNotifications(db: DbOrTx, ctx: BillingContext): Promise<number> {
  await requireAccountPermission(db, ctx, "members:read");
  const [row] = await db
    .select({ n: count() })
    .from(notifications)
    .where(and(eq(notifications.accountId, ctx.accountId), isNull(notifications.readAt)));
  return Number(row?.n ?? 0);
}

/** Marks the given notifications (or all, with "all") of the caller's account as read. */
export async function markNotificationsRead(db: DbOrTx, ctx: BillingContext, ids: string[] | "all"): Promise<number> {
  await requireAccountPermission(db, ctx, "members:read");
  if (ids !== "all" && (ids.length === 0 || ids.length > 500)) throw new AppError("INVALID_REQUEST", "between 1 and 500 notification ids", { param: "ids" });
  const where = [eq(notifications.accountId, ctx.accountId), isNull(notifications.readAt)];
  if (ids !== "all") where.push(inArray(notifications.id, ids));
  const updated = await db.update(notifications).set({ readAt: sql`now()` }).where(and(...where)).returning({ id: notifications.id });
  return updated.length;
}
