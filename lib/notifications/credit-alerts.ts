// Credit alerts produced by the background jobs: expiry reminders (30 and 7 days ahead) and
// low-balance alerts. Both are idempotent through notifications.dedupe_key, so any number of
// instances may run them at the same time.
import { sql } from "drizzle-orm";
import { rows, type DbOrTx } from "@/lib/db";
import type { LotKind } from "@/lib/ledger/types";
import { formatUsd } from "@/lib/money";
import { createNotifications, type NewNotification } from "./index";

const DAY_MS = 86_400_000;
export const REMINDER_DAYS = [30, 7] as const;

interface ExpiringLotRow {
  id: string;
  account_id: string;
  kind: LotKind;
  remaining_micros: string;
  expires_at_ms: string;
}

/**
 * One notification per lot per threshold (and per expiry date: a paid lot extended by a new
 * top-up gets fresh reminders when its new date approaches). A lot first seen inside 7 days gets
 * only the 7-day reminder.
 */
export async function sendExpiryReminders(db: DbOrTx, now: Date = new Date()): Promise<{ created: number }> {
  const horizon = new Date(now.getTime() + REMINDER_DAYS[0] * DAY_MS);
  const lots = await rows<ExpiringLotRow>(
    db,
    sql`SELECT id, account_id, kind::text AS kind, remaining_micros::text AS remaining_micros,
               (extract(epoch FROM expires_at) * 1000)::bigint::text AS expires_at_ms
          FROM credit_lots
         WHERE remaining_micros > 0 AND expired_at IS NULL
           AND expires_at > ${now.toISOString()}::timestamptz AND expires_at <= ${horizon.toISOString()}::timestamptz`,
  );
  const items: NewNotification[] = lots.map((lot) => {
    const expiresAt = new Date(Number(lot.expires_at_ms));
    const daysLeft = Math.max(0, Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS));
    const threshold = daysLeft <= REMINDER_DAYS[1] ? REMINDER_DAYS[1] : REMINDER_DAYS[0];
    const amount = formatUsd(BigInt(lot.remaining_micros));
    const date = expiresAt.toISOString().slice(0, 10);
    const hint =
      lot.kind === "paid"
        ? "Any new top-up extends all your unexpired paid credits by 365 days."
        : "Promotional and granted credits keep their own expiry date.";
    return {
      accountId: lot.account_id,
      kind: "credits_expiring",
      title: `${amount} of credits expire in ${daysLeft} day${daysLeft === 1 ? "" : "s"}`,
      body: `${amount} of ${lot.kind} credits (lot ${lot.id}) expire on ${date} (UTC). ${hint}`,
      dedupeKey: `credits_expiring:${lot.id}:${threshold}d:${lot.expires_at_ms}`,
    };
  });
  const created = await createNotificationsInBatches(db, items);
  return { created };
}

interface LowBalanceRow {
  account_id: string;
  balance_micros: string;
  threshold_micros: string;
  crossing_seq: string | null;
}

/**
 * "Once per crossing": a crossing is the ledger entry that took the balance from at/above the
 * threshold to below it (balance before = balance_after - amount). Its seq names the alert, so a
 * balance that stays low produces no repeats, and a top-up followed by a new dip alerts again.
 */
export async function sendLowBalanceAlerts(db: DbOrTx): Promise<{ created: number }> {
  const candidates = await rows<LowBalanceRow>(
    db,
    sql`SELECT a.id AS account_id, a.balance_micros::text AS balance_micros,
               a.low_balance_threshold_micros::text AS threshold_micros,
               (SELECT le.seq::text FROM ledger_entries le
                 WHERE le.account_id = a.id
                   AND le.balance_after_micros < a.low_balance_threshold_micros
                   AND le.balance_after_micros - le.amount_micros >= a.low_balance_threshold_micros
                 ORDER BY le.seq DESC LIMIT 1) AS crossing_seq
          FROM accounts a
         WHERE a.low_balance_threshold_micros IS NOT NULL
           AND a.balance_micros < a.low_balance_threshold_micros`,
  );
  const items: NewNotification[] = candidates
    .filter((c) => c.crossing_seq !== null)
    .map((c) => {
      const balance = formatUsd(BigInt(c.balance_micros));
      const threshold = formatUsd(BigInt(c.threshold_micros));
      return {
        accountId: c.account_id,
        kind: "low_balance",
        title: `Credit balance is low: ${balance}`,
        body: `Your balance fell below your alert threshold of ${threshold} and is now ${balance}. Top up to keep API requests from being declined.`,
        dedupeKey: `low_balance:${c.account_id}:${c.crossing_seq}`,
      };
    });
  const created = await createNotificationsInBatches(db, items);
  return { created };
}

async function createNotificationsInBatches(db: DbOrTx, items: NewNotification[]): Promise<number> {
  let created = 0;
  for (let i = 0; i < items.length; i += 500) created += (await createNotifications(db, items.slice(i, i + 500))).length;
  return created;
}
