// Retention (daily job and `retention:purge`): request metadata older than
// REQUEST_LOG_RETENTION_DAYS and audit rows older than AUDIT_LOG_RETENTION_DAYS are deleted.
// Kept: requests tied to a dispute that is still open (its request, or the request of the charge
// it disputes) — until the dispute closes; and every ledger entry, whose request_id stays as
// plain text (no foreign key), so the books and `ledger:verify` are untouched by a purge.
import { sql } from "drizzle-orm";
import { writeAudit } from "@/lib/audit";
import { purgeAuditLog } from "@/lib/audit/retention";
import { rows, type DbOrTx } from "@/lib/db";
import { env } from "@/lib/env";

const BATCH = 5_000;
const DAY_MS = 86_400_000;

export interface RetentionResult {
  requestsDeleted: number;
  auditDeleted: number;
  requestCutoff: string;
  auditCutoff: string;
}

export function retentionCutoffs(now: Date, days = { requests: env().REQUEST_LOG_RETENTION_DAYS, audit: env().AUDIT_LOG_RETENTION_DAYS }): { requests: Date; audit: Date } {
  return { requests: new Date(now.getTime() - days.requests * DAY_MS), audit: new Date(now.getTime() - days.audit * DAY_MS) };
}

export async function purgeRequestLog(db: DbOrTx, cutoff: Date): Promise<number> {
  const at = cutoff.toISOString();
  let deleted = 0;
  for (;;) {
    const r = await rows<{ n: string }>(
      db,
      sql`WITH doomed AS (
            SELECT r.id FROM requests r
            WHERE r.created_at < ${at}::timestamptz
              AND NOT EXISTS (
                SELECT 1 FROM disputes d
                WHERE d.status IN ('open', 'under_review')
                  AND (d.request_id = r.id
                       OR d.ledger_entry_id IN (SELECT e.id FROM ledger_entries e WHERE e.request_id = r.id)))
            ORDER BY r.created_at LIMIT ${BATCH}),
          d AS (DELETE FROM requests WHERE id IN (SELECT id FROM doomed) RETURNING 1)
          SELECT count(*)::text AS n FROM d`,
    );
    const n = Number(r[0]?.n ?? 0);
    deleted += n;
    if (n < BATCH) return deleted;
  }
}

export async function purgeExpiredData(db: DbOrTx, now = new Date()): Promise<RetentionResult> {
  const cut = retentionCutoffs(now);
  const requestsDeleted = await purgeRequestLog(db, cut.requests);
  const auditDeleted = await purgeAuditLog(db, cut.audit);
  const result = { requestsDeleted, auditDeleted, requestCutoff: cut.requests.toISOString(), auditCutoff: cut.audit.toISOString() };
  // The purge itself is on the record (and that row is kept for the next retention period).
  if (requestsDeleted || auditDeleted) await writeAudit(db, { actorKind: "system", action: "retention.purge", data: { ...result } });
  return result;
}
