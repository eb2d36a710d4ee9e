// The one way audit rows leave the database. The audit_log trigger (migration 0010) rejects every
// UPDATE, and every DELETE except of rows older than the cut-off this function sets for its own
// transaction (set_config(..., is_local = true)): no other code path, and no later statement on
// the same connection, can delete audit rows — nor delete recent ones through this path.
import { sql } from "drizzle-orm";
import { rows, type DbOrTx } from "@/lib/db";

const BATCH = 5_000;

/** Deletes audit rows created before `cutoff`, in batches (each its own short transaction). */
export async function purgeAuditLog(db: DbOrTx, cutoff: Date): Promise<number> {
  let deleted = 0;
  for (;;) {
    const n = await db.transaction(async (tx) => {
      await tx.execute(sql`SELECT set_config('tollgate.audit_purge_before', ${cutoff.toISOString()}, true)`);
      const r = await rows<{ n: string }>(
        tx,
        sql`WITH d AS (
              DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE created_at < ${cutoff.toISOString()}::timestamptz ORDER BY created_at LIMIT ${BATCH})
              RETURNING 1)
            SELECT count(*)::text AS n FROM d`,
      );
      return Number(r[0]?.n ?? 0);
    });
    deleted += n;
    if (n < BATCH) return deleted;
  }
}
