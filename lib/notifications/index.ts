// In-app notifications (and, when SMTP is configured, their email copies — see ./email.ts).
// dedupe_key is unique: "one reminder per lot per threshold" and "one alert per low-balance
// crossing" hold across retries and across several app instances without any coordination.
import { notifications } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { newId } from "@/lib/ids";

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

// Reading and marking notifications is the console's job: lib/accounts/notifications.ts.
