// Group commit for finished calls on one account (the lanes are lib/db/group-commit.ts): calls
// that queue behind a settlement in flight are booked as ONE statement — the account row and its
// credit lots locked once, then each hold and key — with exactly what settling them one by one in
// arrival order would write:
// - each hold flips from 'pending' to 'settled' / 'released' (the idempotency guard: a hold
//   already closed is handed back to the single statement, which reports it and still writes the
//   call's request row with what the first settlement charged);
// - the account and each key are updated once with the sums;
// - ledger entries come in call order, charge before fee, each with its running balance (their
//   `seq` is assigned in that order, and verifyLedger checks the chain);
// - the calls draw the live lots FIFO as one queue: call i takes the slice
//   [Σ earlier totals, Σ earlier totals + its total) of the lots laid end to end by expiry, the
//   first `charge` of it for its charge entry, the rest for its fee entry;
// - each call's request row, with the amount booked (bare settlements and releases have none).
// A statement that finds its lot snapshot stale (a top-up committed while it waited for the lock,
// or a lot past its expiry not booked yet) writes nothing, and every call goes through the single
// statement, which knows how to handle both.
import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/lib/db";
import { ALONE, groupCommit } from "@/lib/db/group-commit";
import { preparedStatement, runPrepared } from "@/lib/db/prepared";
import type { FinishedCall } from "./calls";
import { newId } from "@/lib/ids";
import { SETTLE_ASYNC_COMMIT } from "./commit-mode";
import { LIVE_LOTS_FIFO } from "./lots";
import { toBig } from "./entries";
import { REQUEST_COLUMNS, REQUEST_INSERT_COLUMNS, requestRowArrays, requestRowsUnnest } from "./request-row";

export interface SettleItem {
  accountId: string;
  holdId: string;
  chargeMicros: bigint;
  byokFeeMicros: bigint;
  description: string | null;
  touchKey: boolean;
  /** The call's request row, written with the settlement; null for a bare settle / release. */
  row: FinishedCall | null;
  chargeEntryId: string;
  feeEntryId: string;
}

/** What a batched settlement reports (the single statement reports the same for a fresh one). */
export interface Settled {
  status: "settled";
  chargedMicros: bigint;
  balanceAfterMicros: bigint;
}

const MAX_BATCH = 64;

const lanes = groupCommit<SettleItem, unknown>({
  maxBatch: MAX_BATCH,
  batch: runBatch,
  // Two closings of one hold decide in order (the first wins), never inside one statement.
  conflictKey: (item) => item.holdId,
});

/** Batches run, calls they booked, and batches that fell back to one statement per call. */
export function settleBatchStats(): { batches: number; batchedSettlements: number; fallbacks: number } {
  const s = lanes.stats();
  return { batches: s.batches, batchedSettlements: s.batchedItems, fallbacks: s.fallbacks };
}

/**
 * Settles through the account's lane: at once through `single` when the lane is idle, else with
 * whatever else has queued meanwhile, in one statement (reported as Settled).
 */
export function settleThroughLane<R>(db: DbOrTx, item: SettleItem, single: (item: SettleItem) => Promise<R>): Promise<R | Settled> {
  return lanes.run(db, item.accountId, item, single) as Promise<R | Settled>;
}

type BatchParam = "accountId" | "holdIds" | "charges" | "fees" | "descriptions" | "chargeEntryIds" | "feeEntryIds" | "touch";

const batchStatement = preparedStatement<BatchParam>(
  (p) => sql`
    WITH pn AS (
      SELECT now() AS now, set_config('synchronous_commit', ${SETTLE_ASYNC_COMMIT ? "off" : "on"}, true) AS commit_mode
    ),
    pd AS (SELECT (now AT TIME ZONE 'UTC')::date AS day FROM pn),
    -- Materialized, with the account and status as columns: compared to constants, they would
    -- let the planner scan all of a busy account's pending holds (tens of thousands, by its
    -- indexes) rather than look up a few dozen holds by id; and the holds are matched by
    -- \`id = ANY(ids)\` too, which tells the planner how few rows it looks for (a join with an
    -- unnest alone let it pick a sequential scan of the whole holds table).
    req AS MATERIALIZED (
      SELECT *, ${p.accountId}::text AS account_id, 'pending'::hold_status AS pending FROM unnest(${p.holdIds}::text[], ${p.charges}::bigint[], ${p.fees}::bigint[], ${p.descriptions}::text[],
                           ${p.chargeEntryIds}::text[], ${p.feeEntryIds}::text[], ${p.touch}::boolean[]) WITH ORDINALITY
        AS r(hold_id, charge, fee, description, charge_entry_id, fee_entry_id, touch, n)
    ),
    a0 AS (SELECT id, balance_micros FROM accounts WHERE id = ${p.accountId} FOR UPDATE),
    lk AS (
      SELECT l.id, l.remaining_micros, l.expires_at, l.created_at
      FROM credit_lots l JOIN a0 ON l.account_id = a0.id
      WHERE l.remaining_micros > 0 AND EXISTS (SELECT 1 FROM req WHERE charge + fee > 0)
      FOR UPDATE OF l
    ),
    chk AS (
      SELECT (NOT EXISTS (SELECT 1 FROM req WHERE charge + fee > 0)
              OR (SELECT COALESCE(SUM(remaining_micros), 0) FROM lk) = GREATEST(a0.balance_micros, 0))
             AND NOT EXISTS (SELECT 1 FROM lk WHERE lk.expires_at <= pn.now) AS fresh
      FROM a0, pn
    ),
    h AS (
      UPDATE holds SET status = (CASE WHEN r.charge + r.fee > 0 THEN 'settled' ELSE 'released' END)::hold_status,
                       charged_micros = r.charge + r.fee, settled_at = pn.now
      FROM req r, pn, chk
      WHERE holds.id = ANY(${p.holdIds}::text[]) AND holds.id = r.hold_id
        AND holds.account_id = r.account_id AND holds.status = r.pending AND chk.fresh
      RETURNING holds.id, holds.key_id, holds.amount_micros, holds.request_id,
                r.n, r.charge, r.fee, r.charge + r.fee AS t, r.description, r.charge_entry_id, r.fee_entry_id, r.touch
    ),
    hx AS (SELECT h.*, SUM(h.t) OVER (ORDER BY h.n) AS cum FROM h),
    tot AS (SELECT COALESCE(SUM(amount_micros), 0) AS held, COALESCE(SUM(t), 0) AS total, COUNT(*) AS settled FROM h),
    a AS (
      UPDATE accounts SET held_micros = accounts.held_micros - tot.held,
                          balance_micros = accounts.balance_micros - tot.total
      FROM tot WHERE accounts.id = ${p.accountId} AND tot.settled > 0
      RETURNING accounts.id, accounts.balance_micros
    ),
    k AS (
      UPDATE api_keys SET held_micros = api_keys.held_micros - s.held,
                          spent_micros = api_keys.spent_micros + s.t,
                          spend_day = GREATEST(api_keys.spend_day, pd.day),
                          spend_day_micros = CASE
                            WHEN api_keys.spend_day IS NULL OR api_keys.spend_day < pd.day THEN s.t
                            WHEN api_keys.spend_day = pd.day THEN api_keys.spend_day_micros + s.t
                            ELSE api_keys.spend_day_micros END,
                          last_used_at = CASE WHEN s.touch THEN now() ELSE api_keys.last_used_at END
      FROM (SELECT key_id, SUM(amount_micros) AS held, SUM(t) AS t, bool_or(touch) AS touch
            FROM h WHERE key_id IS NOT NULL GROUP BY key_id) s, pd, a
      WHERE api_keys.id = s.key_id
      RETURNING api_keys.id
    ),
    -- The balance after call n is the final balance plus what the later calls took.
    e AS (
      INSERT INTO ledger_entries (id, account_id, type, amount_micros, balance_after_micros, request_id, hold_id, description, created_at)
      SELECT x.id, a.id, x.type, x.amount, x.after, hx.request_id, hx.id, hx.description, pn.now
      FROM hx CROSS JOIN a CROSS JOIN tot CROSS JOIN pn
      CROSS JOIN LATERAL (VALUES
        (1, hx.charge_entry_id, 'charge'::ledger_entry_type, -hx.charge, a.balance_micros + tot.total - hx.cum + hx.fee, hx.charge > 0),
        (2, hx.fee_entry_id, 'byok_fee'::ledger_entry_type, -hx.fee, a.balance_micros + tot.total - hx.cum, hx.fee > 0)
      ) AS x(ord, id, type, amount, after, wanted)
      WHERE x.wanted
      ORDER BY hx.n, x.ord
      RETURNING id
    ),
    ord AS (${LIVE_LOTS_FIFO}),
    tk AS (
      SELECT hx.charge_entry_id, hx.fee_entry_id, ord.id AS lot_id,
             LEAST(hx.cum, ord.before + ord.rem) - GREATEST(hx.cum - hx.t, ord.before) AS take,
             GREATEST(0, LEAST(hx.cum - hx.t + hx.charge, ord.before + ord.rem) - GREATEST(hx.cum - hx.t, ord.before)) AS charge_part
      FROM hx JOIN ord ON ord.before < hx.cum AND ord.before + ord.rem > hx.cum - hx.t
      WHERE hx.t > 0
    ),
    lu AS (
      UPDATE credit_lots c SET remaining_micros = c.remaining_micros - s.take
      FROM (SELECT lot_id, SUM(take) AS take FROM tk GROUP BY lot_id) s WHERE c.id = s.lot_id
      RETURNING c.id
    ),
    la AS (
      INSERT INTO lot_allocations (entry_id, lot_id, amount_micros)
      SELECT charge_entry_id, lot_id, charge_part FROM tk WHERE charge_part > 0
      UNION ALL
      SELECT fee_entry_id, lot_id, take - charge_part FROM tk WHERE take - charge_part > 0
      RETURNING lot_id
    ),
    rq AS (
      INSERT INTO requests (${sql.raw(REQUEST_INSERT_COLUMNS)})
      SELECT ${sql.raw(REQUEST_COLUMNS.map(([c]) => `u.${c}`).join(", "))}, hx.t, now()
      FROM ${requestRowsUnnest(p, "u")} JOIN hx ON hx.n = u.n
      WHERE u.id IS NOT NULL
      ON CONFLICT (id) DO NOTHING
      RETURNING id
    )
    SELECT r.n, chk.fresh, hx.id IS NOT NULL AS done, hx.t,
           a.balance_micros + tot.total - hx.cum AS balance_after
    FROM req r CROSS JOIN chk CROSS JOIN tot LEFT JOIN hx ON hx.n = r.n LEFT JOIN a ON true
    ORDER BY r.n`,
);

interface BatchRow {
  n: string | number;
  fresh: boolean | string;
  done: boolean | string;
  t: string | null;
  balance_after: string | null;
}

const yes = (v: boolean | string) => v === true || v === "t";

async function runBatch(db: DbOrTx, accountId: string, items: SettleItem[]): Promise<(Settled | typeof ALONE)[]> {
  const r = await runPrepared<BatchRow>(
    db,
    batchStatement("", undefined),
    {
      accountId,
      holdIds: items.map((i) => i.holdId),
      charges: items.map((i) => i.chargeMicros.toString()),
      fees: items.map((i) => i.byokFeeMicros.toString()),
      descriptions: items.map((i) => i.description),
      chargeEntryIds: items.map((i) => i.chargeEntryId),
      feeEntryIds: items.map((i) => i.feeEntryId),
      touch: items.map((i) => i.touchKey),
      ...requestRowArrays(items.map((i) => i.row)),
    },
    accountId,
  );
  // No account row, or a stale lot snapshot (nothing was written): the single statement decides.
  if (r.length !== items.length || !yes(r[0].fresh)) return items.map(() => ALONE);
  return r.map((row) =>
    yes(row.done) && row.t != null && row.balance_after != null
      ? { status: "settled", chargedMicros: toBig(row.t), balanceAfterMicros: toBig(row.balance_after) }
      : ALONE,
  );
}

/** A lane item; entry ids only for the entries it can write (an unused one is never read). */
export function settleItem(accountId: string, holdId: string, chargeMicros: bigint, byokFeeMicros: bigint, description: string | null, touchKey: boolean, row: FinishedCall | null): SettleItem {
  return {
    accountId,
    holdId,
    chargeMicros,
    byokFeeMicros,
    description,
    touchKey,
    row,
    chargeEntryId: chargeMicros > 0n ? newId("entry") : "",
    feeEntryId: byokFeeMicros > 0n ? newId("entry") : "",
  };
}
