// Group commit for holds on one account (the lanes are lib/db/group-commit.ts). Holds that queue
// behind one in flight go as ONE statement: the account (then each key) is locked once, the holds
// are sized one after another in arrival order against what the previous ones took — exactly what
// running them one by one would decide — and written in one commit. A batch that fails sends each
// hold down the single-hold path with its own hold id, which tells a hold the batch did commit
// from one it did not (the hold id is the key).
import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/lib/db";
import { groupCommit } from "@/lib/db/group-commit";
import { preparedStatement, runPrepared } from "@/lib/db/prepared";

export interface HoldItem {
  holdId: string;
  keyId: string | null;
  requestId: string;
  min: bigint;
  max: bigint;
  ttl: number;
  defaultCap: bigint | null;
}

/** One item's outcome: the same columns the single-hold statement returns. */
export interface HoldRow {
  avail: string;
  bal: string | null;
  rem: string | null;
  cap_left: string | null;
  amt: string;
  key_id: string | null;
  placed: string | number | boolean;
}

/** The most holds one statement places: bounds its run time and the lock hold of the account. */
const MAX_BATCH = 64;

const lanes = groupCommit<HoldItem, HoldRow | undefined>({ maxBatch: MAX_BATCH, batch: runBatch });

/** Batches run, holds they decided, and batches that fell back to one statement per hold. */
export function holdBatchStats(): { batches: number; batchedHolds: number; fallbacks: number } {
  const s = lanes.stats();
  return { batches: s.batches, batchedHolds: s.batchedItems, fallbacks: s.fallbacks };
}

/**
 * Places one hold through the account's lane: at once when the lane is idle (the `single`
 * statement), else with whatever else has queued meanwhile, in one statement.
 */
export function placeThroughLane(db: DbOrTx, accountId: string, item: HoldItem, single: (item: HoldItem) => Promise<HoldRow | undefined>): Promise<HoldRow | undefined> {
  return lanes.run(db, accountId, item, single);
}

type BatchParam = "accountId" | "holdIds" | "keyIds" | "requestIds" | "mins" | "maxs" | "ttls" | "caps";

// The single-hold statement (holds.ts) for N holds. `alloc` walks the items in order and carries
// what the earlier ones took: from the account (avail) and, per key (a JSON object key → taken),
// from the key's credit limit and daily cap.
const batchStatement = preparedStatement<BatchParam>(
  (p) => sql`
    WITH RECURSIVE pn AS (
      SELECT now() AS now, set_config('synchronous_commit', 'off', true) AS async_commit
    ),
    pd AS (
      SELECT now, (now AT TIME ZONE 'UTC')::date AS day FROM pn
    ),
    req AS (
      SELECT * FROM unnest(${p.holdIds}::text[], ${p.keyIds}::text[], ${p.requestIds}::text[], ${p.mins}::bigint[],
                           ${p.maxs}::bigint[], ${p.ttls}::int[], ${p.caps}::bigint[]) WITH ORDINALITY
        AS r(hold_id, key_id, request_id, min, max, ttl, default_cap, n)
    ),
    a AS MATERIALIZED (
      SELECT id, balance_micros,
             (balance_micros - held_micros
               - (SELECT COALESCE(SUM(l.remaining_micros), 0) FROM credit_lots l, pn
                  WHERE l.account_id = accounts.id AND l.remaining_micros > 0 AND l.expires_at <= pn.now))::bigint AS avail
      FROM accounts WHERE id = ${p.accountId} FOR UPDATE
    ),
    k AS MATERIALIZED (
      SELECT ak.id, ak.credit_limit_micros - ak.spent_micros - ak.held_micros AS rem,
             ak.daily_spend_cap_micros AS own_cap,
             ak.held_micros + CASE WHEN ak.spend_day >= pd.day THEN ak.spend_day_micros ELSE 0 END AS cap_used
      FROM api_keys ak JOIN a ON ak.account_id = a.id CROSS JOIN pd
      WHERE ak.id IN (SELECT key_id FROM req WHERE key_id IS NOT NULL)
      FOR UPDATE OF ak
    ),
    alloc AS (
      SELECT 0::bigint AS n, a.avail AS left_after, '{}'::jsonb AS taken,
             NULL::bigint AS avail, NULL::text AS key_id, NULL::bigint AS rem, NULL::bigint AS cap_left, 0::bigint AS amt, false AS placed
      FROM a
      UNION ALL
      SELECT r.n, alloc.left_after - CASE WHEN y.placed THEN y.amt ELSE 0 END,
             CASE WHEN y.placed AND r.key_id IS NOT NULL
                  THEN alloc.taken || jsonb_build_object(r.key_id, x.key_taken + y.amt) ELSE alloc.taken END,
             alloc.left_after, k.id, x.rem, x.cap_left, y.amt, y.placed
      FROM alloc
      JOIN req r ON r.n = alloc.n + 1
      LEFT JOIN k ON k.id = r.key_id
      CROSS JOIN LATERAL (
        SELECT k.rem - COALESCE((alloc.taken ->> r.key_id)::bigint, 0) AS rem,
               COALESCE(k.own_cap, r.default_cap) - k.cap_used - COALESCE((alloc.taken ->> r.key_id)::bigint, 0) AS cap_left,
               COALESCE((alloc.taken ->> r.key_id)::bigint, 0) AS key_taken
      ) x
      CROSS JOIN LATERAL (
        SELECT LEAST(r.max, alloc.left_after, COALESCE(x.rem, r.max), COALESCE(x.cap_left, r.max)) AS amt
      ) z
      CROSS JOIN LATERAL (
        SELECT z.amt AS amt, z.amt >= r.min AND (r.key_id IS NULL OR k.id IS NOT NULL) AS placed
      ) y
    ),
    g AS (
      SELECT alloc.key_id, alloc.amt, r.hold_id, r.request_id, r.ttl
      FROM alloc JOIN req r ON r.n = alloc.n WHERE alloc.placed
    ),
    a_upd AS (
      UPDATE accounts SET held_micros = accounts.held_micros + s.total
      FROM (SELECT SUM(amt) AS total FROM g HAVING COUNT(*) > 0) s
      WHERE accounts.id = ${p.accountId}
      RETURNING accounts.id
    ),
    k_upd AS (
      UPDATE api_keys SET held_micros = api_keys.held_micros + s.total
      FROM (SELECT key_id, SUM(amt) AS total FROM g WHERE key_id IS NOT NULL GROUP BY key_id) s
      WHERE api_keys.id = s.key_id
      RETURNING api_keys.id
    ),
    h AS (
      INSERT INTO holds (id, account_id, key_id, request_id, amount_micros, status, expires_at, created_at)
      SELECT g.hold_id, ${p.accountId}, g.key_id, g.request_id, g.amt, 'pending', pn.now + make_interval(secs => g.ttl), pn.now
      FROM g, pn
      RETURNING id
    )
    SELECT alloc.avail, a.balance_micros AS bal, alloc.rem, alloc.cap_left, alloc.amt, alloc.key_id, alloc.placed,
           (SELECT COUNT(*) FROM h) AS written
    FROM alloc, a
    WHERE alloc.n > 0
    ORDER BY alloc.n`,
);

async function runBatch(db: DbOrTx, accountId: string, items: HoldItem[]): Promise<(HoldRow | undefined)[]> {
  const r = await runPrepared<HoldRow & { written: string | number }>(
    db,
    batchStatement("", undefined),
    {
      accountId,
      holdIds: items.map((i) => i.holdId),
      keyIds: items.map((i) => i.keyId),
      requestIds: items.map((i) => i.requestId),
      mins: items.map((i) => i.min.toString()),
      maxs: items.map((i) => i.max.toString()),
      ttls: items.map((i) => i.ttl),
      caps: items.map((i) => (i.defaultCap === null ? null : i.defaultCap.toString())),
    },
    accountId,
  );
  if (r.length === 0) return items.map(() => undefined); // no such account
  const placed = r.filter((x) => x.placed === true || x.placed === "t").length;
  // Every placed item must have its row: anything else and the batch is not trusted.
  if (Number(r[0].written) !== placed) throw new Error("hold batch wrote an unexpected number of holds");
  return r.map((x) => ({ ...x, placed: x.placed === true || x.placed === "t" ? 1 : 0 }));
}
