// The customer's own audit view: an account's entries (keys, members, billing, disputes, and the
// members' sign-ins and two-factor changes), newest first, filterable and keyset-paginated.
// Owners and admins only (audit:read).
import { and, desc, eq, gte, like, lt, or, type SQL } from "drizzle-orm";
import { auditLog, users } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { authorize, type ActorCtx } from "@/lib/accounts/authorize";
import { decodeCursor, encodeCursor } from "@/lib/accounts/cursor";
import { dayRange } from "@/lib/accounts/filters";

export const AUDIT_CATEGORIES = {
  keys: { label: "API keys", prefixes: ["key."] },
  members: { label: "Members and roles", prefixes: ["member."] },
  security: { label: "Sign-ins and security", prefixes: ["auth.", "user."] },
  billing: { label: "Billing and credits", prefixes: ["billing.", "credit.", "ledger.", "staff.grant"] },
  disputes: { label: "Disputes", prefixes: ["dispute."] },
  account: { label: "Account settings", prefixes: ["account.", "notification."] },
} as const;
export type AuditCategory = keyof typeof AUDIT_CATEGORIES;

export function isAuditCategory(v: unknown): v is AuditCategory {
  return typeof v === "string" && Object.hasOwn(AUDIT_CATEGORIES, v);
}

export interface AccountAuditRow {
  id: string;
  action: string;
  actorKind: string;
  actorEmail: string | null;
  targetType: string | null;
  targetId: string | null;
  data: unknown;
  createdAt: Date;
}

export interface AccountAuditFilters {
  category?: string;
  /** Matches the acting user's email (substring, case-insensitive). */
  actor?: string;
  from?: string;
  to?: string;
  cursor?: string;
  limit?: number;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function listAccountAudit(db: DbOrTx, ctx: ActorCtx, filters: AccountAuditFilters = {}): Promise<{ rows: AccountAuditRow[]; nextCursor: string | null }> {
  await authorize(db, ctx, "audit:read");
  const limit = Math.min(Math.max(filters.limit ?? 50, 1), 200);
  const where: SQL[] = [eq(auditLog.accountId, ctx.accountId)];
  if (isAuditCategory(filters.category)) {
    where.push(or(...AUDIT_CATEGORIES[filters.category].prefixes.map((p) => like(auditLog.action, `${escapeLike(p)}%`)))!);
  }
  const actor = filters.actor?.trim().toLowerCase().slice(0, 254);
  if (actor) where.push(like(users.email, `%${escapeLike(actor)}%`));
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
      action: auditLog.action,
      actorKind: auditLog.actorKind,
      actorEmail: users.email,
      targetType: auditLog.targetType,
      targetId: auditLog.targetId,
      data: auditLog.data,
      createdAt: auditLog.createdAt,
    })
    .from(auditLog)
    .leftJoin(users, eq(users.id, auditLog.actorUserId))
    .where(and(...where))
    .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
    .limit(limit + 1);
  const page = found.slice(0, limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: found.length > limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null };
}
