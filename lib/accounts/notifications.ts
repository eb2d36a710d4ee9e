// In-app notifications (written by billing jobs, disputes, ...). Which ones a member sees
// follows their role: dispute updates need disputes:read, everything else is about money
// (credits expiring, low balance, payments) and needs billing:read.
import { and, desc, eq, inArray, isNull, like, lt, not, or, sql, type SQL } from "drizzle-orm";
import { notifications } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { writeAudit } from "@/lib/audit";
import { can } from "@/lib/auth/permissions";
import { AppError } from "@/lib/errors";
import { roleOf, type ActorCtx } from "./authorize";
import { decodeCursor, encodeCursor } from "./cursor";

async function visibility(db: DbOrTx, ctx: ActorCtx): Promise<SQL | null> {
  const role = ctx.userId && ctx.accountId ? await roleOf(db, ctx.userId, ctx.accountId) : null;
  if (!role) throw new AppError("FORBIDDEN", "Your role in this account does not allow this.");
  const disputesOk = can(role, "disputes:read");
  const billingOk = can(role, "billing:read");
  if (disputesOk && billingOk) return sql`true`;
  if (disputesOk) return like(notifications.kind, "dispute%");
  if (billingOk) return not(like(notifications.kind, "dispute%"));
  return null;
}

export interface NotificationView {
  id: string;
  kind: string;
  title: string;
  body: string;
  readAt: Date | null;
  createdAt: Date;
}

export async function listNotifications(
  db: DbOrTx,
  ctx: ActorCtx,
  opts: { unreadOnly?: boolean; cursor?: string; limit?: number } = {},
): Promise<{ rows: NotificationView[]; nextCursor: string | null }> {
  const visible = await visibility(db, ctx);
  if (!visible) return { rows: [], nextCursor: null };
  const limit = Math.min(Math.max(opts.limit ?? 50, 1), 200);
  const where: SQL[] = [eq(notifications.accountId, ctx.accountId), visible];
  if (opts.unreadOnly) where.push(isNull(notifications.readAt));
  const cursor = decodeCursor(opts.cursor);
  if (cursor?.length === 2 && typeof cursor[0] === "string" && typeof cursor[1] === "string") {
    const at = new Date(cursor[0]);
    if (!Number.isNaN(at.getTime())) where.push(or(lt(notifications.createdAt, at), and(eq(notifications.createdAt, at), lt(notifications.id, cursor[1])))!);
  }
  const found = await db
    .select({ id: notifications.id, kind: notifications.kind, title: notifications.title, body: notifications.body, readAt: notifications.readAt, createdAt: notifications.createdAt })
    .from(notifications)
    .where(and(...where))
    .orderBy(desc(notifications.createdAt), desc(notifications.id))
    .limit(limit + 1);
  const page = found.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: found.length > limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null };
}

export async function unreadNotificationCount(db: DbOrTx, ctx: ActorCtx): Promise<number> {
  const visible = await visibility(db, ctx).catch(() => null);
  if (!visible) return 0;
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(notifications)
    .where(and(eq(notifications.accountId, ctx.accountId), isNull(notifications.readAt), visible));
  return Number(row?.n ?? 0);
}

/** Marks the given notifications (or all visible ones) read; only the account's own. */
export async function markNotificationsRead(db: DbOrTx, ctx: ActorCtx, input: { ids?: string[]; all?: boolean }, now = new Date()): Promise<{ updated: number }> {
  const visible = await visibility(db, ctx);
  if (!visible) return { updated: 0 };
  if (!input.all && !input.ids?.length) return { updated: 0 };
  return db.transaction(async (tx) => {
    const where: SQL[] = [eq(notifications.accountId, ctx.accountId), isNull(notifications.readAt), visible];
    if (!input.all && input.ids) where.push(inArray(notifications.id, input.ids));
    const updated = await tx.update(notifications).set({ readAt: now }).where(and(...where)).returning({ id: notifications.id });
    if (updated.length) {
      await writeAudit(tx, {
        accountId: ctx.accountId,
        actorUserId: ctx.userId,
        actorKind: "user",
        action: "notification.read",
        targetType: "notification",
        data: { count: updated.length, ids: input.all ? "all" : updated.map((u) => u.id) },
      });
    }
    return { updated: updated.length };
  });
}
