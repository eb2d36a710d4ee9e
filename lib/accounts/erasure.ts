// Erasure of closed accounts' personal data (daily job `accounts:erase`, well within the 30 days
// the privacy policy promises): the account name, invitation emails and hashed client IPs become
// tombstones, and so do members who belong to no open account any more (email, name, sign-in
// material). Ledger entries, lots and request metadata stay for finance — they carry ids and
// amounts, not personal data. Audit rows are never edited (append-only); any that mention an
// email age out with the audit retention (AUDIT_LOG_RETENTION_DAYS).
import { sql } from "drizzle-orm";
import { writeAudit } from "@/lib/audit";
import { rows, type DbOrTx } from "@/lib/db";
import { tombstoneUser } from "./closure";

/** Days between closure and erasure (a mistaken closure can still be raised with support). */
export const ERASE_AFTER_DAYS = 7;

export async function eraseClosedAccounts(db: DbOrTx, now = new Date(), afterDays = ERASE_AFTER_DAYS): Promise<{ accountsErased: number; usersErased: number }> {
  const due = await rows<{ id: string }>(
    db,
    sql`SELECT id FROM accounts WHERE closed_at IS NOT NULL AND erased_at IS NULL
          AND closed_at <= ${now.toISOString()}::timestamptz - make_interval(days => ${afterDays}) ORDER BY closed_at LIMIT 500`,
  );
  let usersErased = 0;
  let accountsErased = 0;
  for (const { id } of due) {
    const erased = await db.transaction(async (tx) => {
      // Re-checked under the row lock: a concurrent run erases each account once.
      const [locked] = await rows<{ id: string }>(tx, sql`SELECT id FROM accounts WHERE id = ${id} AND erased_at IS NULL FOR UPDATE SKIP LOCKED`);
      if (!locked) return null;
      await tx.execute(sql`UPDATE accounts SET name = 'Erased account', erased_at = ${now.toISOString()}::timestamptz WHERE id = ${id}`);
      await tx.execute(sql`UPDATE invitations SET email = 'erased+' || lower(id) || '@erased.invalid' WHERE account_id = ${id}`);
      await tx.execute(sql`UPDATE requests SET client_ip_hash = NULL WHERE account_id = ${id} AND client_ip_hash IS NOT NULL`);
      const members = await rows<{ user_id: string }>(
        tx,
        sql`SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id
            WHERE m.account_id = ${id} AND u.deleted_at IS NULL AND NOT u.is_staff
              AND NOT EXISTS (SELECT 1 FROM memberships o JOIN accounts a ON a.id = o.account_id
                              WHERE o.user_id = m.user_id AND a.id <> ${id} AND a.erased_at IS NULL AND a.status IN ('active', 'suspended'))`,
      );
      for (const m of members) await tombstoneUser(tx, m.user_id);
      await writeAudit(tx, { accountId: id, actorKind: "system", action: "account.erase", targetType: "account", targetId: id, data: { usersErased: members.length } });
      return members.length;
    });
    if (erased === null) continue;
    accountsErased++;
    usersErased += erased;
  }
  return { accountsErased, usersErased };
}
