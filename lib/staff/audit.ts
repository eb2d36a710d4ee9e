// Staff audit log viewer: every mutation in the system, newest first, keyset-paginated.
import { and, desc, eq, gte, like, lt, or, type SQL } from "drizzle-orm";
import { auditLog, users } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { requireStaff } from "@/lib/accounts/authorize";
import { decodeCursor, encodeCursor } from "@/lib/accounts/cursor";
import { dayRange } from "@/lib/accounts/filters";

export interface AuditRow {
  id: string;
  accountId: string | null;
  actorUserId: string | null;
  actorEmail: string | null;
  actorKind: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  data: unknown;
  createdAt: Date;
}

export async function listAudit(
  db: DbOrTx,
  ctx: { userId: string },
  filters: { accountId?: string; action?: string; actorKind?: string; from?: string; to?: string; cursor?: string; limit?: number } = {},
): Promise<{ rows: AuditRow[]; nextCursor: string | null }> {
  await requireStaff(db, ctx.userId);
  const limit = Math.min(Math.max(filters.limit ?? 50, 1), 200);
  const where: SQL[] = [];
  if (filters.accountId?.trim()) where.push(eq(auditLog.accountId, filters.accountId.trim()));
  // Action filter is a prefix ("dispute." matches every dispute action).
  if (filters.action?.trim()) where.push(like(auditLog.action, `${filters.action.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
  if (filters.actorKind && ["user", "staff", "system", "cli"].includes(filters.actorKind)) where.push(eq(auditLog.actorKind, filters.actorKind));
  const range = dayRange(filters.from, filters.to);
  if (range.from) where.push(gte(auditLog.createdAt, range.from));
  if (range.to) where.push(lt(auditLog.createdAt, range.to));
  const cursor = decodeCursor(filters.cursor);
  if (cursor?.length === 2 && typeof cursor[0] === "string" && typeof cursor[1] === "string") {
    const at = new Date(cursor[0]);
    if (!Number.isNaN(at.getTime())) where.push(or(lt(auditLog.createdAt, at), and(eq(auditLog.createdAt, at), lt(auditLog.id, cursor[1])))!);
  }
  const found = await db
    .select({
      id: auditLog.id,
      accountId: auditLog.accountId,
      actorUserId: auditLog.actorUserId,
      actorEmail: users.email,
      actorKind: auditLog.actorKind,
      action: auditLog.action,
      targetType: auditLog.targetType,
      targetId: auditLog.targetId,
      data: auditLog.data,
      createdAt: auditLog.createdAt,
    })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorUserId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
    .limit(limit + 1);
  const page = found.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: found.length > limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null };
}
