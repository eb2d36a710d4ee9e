// Notices for the operator's staff (chargebacks, …): written in the transaction of the event they
// report, listed on the staff dashboard. dedupe_key makes a replayed event notify once.
import { desc, isNull, sql } from "drizzle-orm";
import { staffNotifications } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { newId } from "@/lib/ids";
import { requireStaff } from "@/lib/accounts/authorize";
import type { StaffCtx } from "./accounts";

export interface StaffNotice {
  accountId?: string | null;
  kind: string;
  title: string;
  body: string;
  dedupeKey?: string | null;
}

export async function notifyStaff(db: DbOrTx, n: StaffNotice): Promise<boolean> {
  const r = await db
    .insert(staffNotifications)
    .values({ id: newId("notification"), accountId: n.accountId ?? null, kind: n.kind, title: n.title, body: n.body, dedupeKey: n.dedupeKey ?? null })
    .onConflictDoNothing({ target: staffNotifications.dedupeKey })
    .returning({ id: staffNotifications.id });
  return r.length > 0;
}

export async function listStaffNotices(db: DbOrTx, ctx: StaffCtx, limit = 20) {
  await requireStaff(db, ctx.userId);
  const [list, unread] = await Promise.all([
    db.select().from(staffNotifications).orderBy(desc(staffNotifications.createdAt), desc(staffNotifications.id)).limit(limit),
    db.select({ n: sql<number>`count(*)::int` }).from(staffNotifications).where(isNull(staffNotifications.readAt)),
  ]);
  return { list, unread: Number(unread[0]?.n ?? 0) };
}
