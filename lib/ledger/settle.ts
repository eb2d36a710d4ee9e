// Settlement: closes a hold exactly once, in ONE statement (one round trip, its own implicit
// transaction or the caller's): flips the hold from 'pending' (the idempotency guard — a second
// call finds nothing to flip and writes nothing), releases the held amounts, applies the charge
// to the account, key and key-day, appends the charge / BYOK-fee entries and draws the credit
// lots FIFO by earliest expiry with their lot_allocations.
//
// Why one statement: the account row lock is held until commit, so every round trip inside the
// critical section caps the throughput of a busy account. The catch is that a statement's
// snapshot is taken before it waits for that lock: lots changed meanwhile are re-read by
// locking them (FOR UPDATE returns their latest versions), but a lot INSERTED meanwhile
// (a top-up that committed while we waited) is invisible. That case is detected — the visible
// lots no longer add up to max(balance, 0) — and then nothing is written and the statement is
// simply re-run with a fresh snapshot. Lock order: account → lots → hold → key.
//
// Settlements that queue behind one of their account's go together as one statement
// (settle-batch.ts). Commit durability: see commit-mode.ts.
import { sql } from "drizzle-orm";
import { rows, type DbOrTx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { preparedStatement, runPrepared, type PreparedPart } from "@/lib/db/prepared";
import { holdIsPending, inTx, lockAccount, requireNonNegative, toBig } from "./entries";
import { expireAccount } from "./expiry";
import { SETTLE_ASYNC_COMMIT } from "./commit-mode";
import { LIVE_LOTS_FIFO } from "./lots";
import { settleItem, settleThroughLane } from "./settle-batch";
import type { SettleInput, SettleResult } from "./types";

interface FinishInput {
  holdId: string;
  chargeMicros: bigint;
  byokFeeMicros: bigint;
  description?: string | null;
  now?: Date;
  /** Also stamp the key's last_used_at (its row is updated anyway: no extra write). */
  touchKey?: boolean;
  /**
   * A data-modifying statement run in the SAME statement, only when the settlement is applied or
   * found already done (never on a stale-snapshot pass): it may read CTE `sc` (one row, column
   * `charged_micros` — what the hold was charged, 0 when released). The caller's own row (e.g.
   * the request log) thus commits atomically with the settlement, in one round trip. Its
   * parameter names must not clash with the settlement's (prefix them).
   */
  also?: PreparedPart;
  /** The hold's account, when the caller knows it: routes the statement (see fastRows). */
  accountId?: string;
}

interface FinishRow {
  fresh: boolean | string;
  stale: boolean | string;
  id: string | null;
  account_id: string | null;
  balance_micros: string | null;
}

type Finished = { holdId: string; accountId: string; balanceAfterMicros: bigint };

type SettleParam = "holdId" | "total" | "charge" | "fee" | "now" | "description" | "chargeEntryId" | "feeEntryId";

/** Compiled once per shape: touchKey, force and the `also` statement (by its key). */
const settleStatement = preparedStatement<SettleParam, string, { f: FinishInput; force: boolean }>((p, _shape, { f, force }) => {
  const T = sql`${p.total}::bigint`;
  const C = sql`${p.charge}::bigint`;
  const F = sql`${p.fee}::bigint`;
  return sql`
    WITH pn AS (
      SELECT COALESCE(${p.now}::timestamptz, now()) AS now,
             set_config('synchronous_commit', ${SETTLE_ASYNC_COMMIT ? "off" : "on"}, true) AS commit_mode
    ),
    pd AS (SELECT (now AT TIME ZONE 'UTC')::date AS day FROM pn),
    hh AS (SELECT account_id FROM holds WHERE id = ${p.holdId}),
    a0 AS (
      SELECT ac.id, ac.balance_micros FROM accounts ac JOIN hh ON ac.id = hh.account_id
      FOR UPDATE OF ac
    ),
    lk AS (
      SELECT l.id, l.remaining_micros, l.expires_at, l.created_at
      FROM credit_lots l JOIN a0 ON l.account_id = a0.id
      WHERE l.remaining_micros > 0 AND ${T} > 0
      FOR UPDATE OF l
    ),
    -- A lot past its expiry with credit left (the expiry job has not booked it yet) is never
    -- drawn: nothing is written and finishHold books that expiry first, under the lock.
    chk AS (
      SELECT (${T} = 0 OR ${force}::boolean
              OR (SELECT COALESCE(SUM(remaining_micros), 0) FROM lk) = GREATEST(a0.balance_micros, 0))
             AND (${force}::boolean OR NOT EXISTS (SELECT 1 FROM lk WHERE lk.expires_at <= pn.now)) AS fresh,
             EXISTS (SELECT 1 FROM lk WHERE lk.expires_at <= pn.now) AS stale
      FROM a0, pn
    ),
    h AS (
      UPDATE holds SET status = (CASE WHEN ${T} > 0 THEN 'settled' ELSE 'released' END)::hold_status,
                       charged_micros = ${T}, settled_at = pn.now
      FROM pn, chk
      WHERE holds.id = ${p.holdId} AND ${holdIsPending("holds")} AND chk.fresh
      RETURNING holds.id, holds.account_id, holds.key_id, holds.amount_micros, holds.request_id, holds.charged_micros
    ),
    a AS (
      UPDATE accounts SET held_micros = accounts.held_micros - h.amount_micros,
                          balance_micros = accounts.balance_micros - ${T}
      FROM h WHERE accounts.id = h.account_id
      RETURNING accounts.id, accounts.balance_micros
    ),
    -- Daily spend counts on the UTC day the charge settles; a later day starts a new bucket, and
    -- a settlement dated before the current bucket (a slower clock) stays out of it.
    k AS (
      UPDATE api_keys SET held_micros = api_keys.held_micros - h.amount_micros,
                          spent_micros = api_keys.spent_micros + ${T},
                          spend_day = GREATEST(api_keys.spend_day, pd.day),
                          spend_day_micros = CASE
                            WHEN api_keys.spend_day IS NULL OR api_keys.spend_day < pd.day THEN ${T}
                            WHEN api_keys.spend_day = pd.day THEN api_keys.spend_day_micros + ${T}
                            ELSE api_keys.spend_day_micros END
                          ${f.touchKey ? sql`, last_used_at = now()` : sql``}
      FROM h, a, pd WHERE api_keys.id = h.key_id
      RETURNING api_keys.id
    ),
    e AS (
      INSERT INTO ledger_entries (id, account_id, type, amount_micros, balance_after_micros, request_id, hold_id, description, created_at)
      SELECT ${p.chargeEntryId}, a.id, 'charge'::ledger_entry_type, -${C}, a.balance_micros + ${F},
             h.request_id, h.id, ${p.description}::text, pn.now
      FROM h, a, pn WHERE ${C} > 0
      UNION ALL
      SELECT ${p.feeEntryId}, a.id, 'byok_fee'::ledger_entry_type, -${F}, a.balance_micros,
             h.request_id, h.id, ${p.description}::text, pn.now
      FROM h, a, pn WHERE ${F} > 0
      RETURNING id
    ),
    ord AS (${LIVE_LOTS_FIFO}),
    tk AS (
      -- The total is drawn FIFO; the first chargeMicros of it belong to the charge entry,
      -- the rest to the fee entry (the order the entries were written in).
      SELECT ord.id, LEAST(ord.rem, ${T} - ord.before) AS take,
             GREATEST(0, LEAST(ord.before + LEAST(ord.rem, ${T} - ord.before), ${C}) - ord.before) AS charge_part
      FROM ord, h WHERE ord.before < ${T}
    ),
    lu AS (
      UPDATE credit_lots c SET remaining_micros = c.remaining_micros - tk.take
      FROM tk WHERE c.id = tk.id
      RETURNING c.id
    ),
    la AS (
      INSERT INTO lot_allocations (entry_id, lot_id, amount_micros)
      SELECT ${p.chargeEntryId}, id, charge_part FROM tk WHERE charge_part > 0
      UNION ALL
      SELECT ${p.feeEntryId}, id, take - charge_part FROM tk WHERE take - charge_part > 0
      RETURNING lot_id
    )
    ${
      f.also
        ? sql`,
    sc AS (
      -- The snapshot's charged_micros is the first settlement's when this one found nothing to do.
      SELECT COALESCE((SELECT charged_micros FROM h), (SELECT charged_micros FROM holds WHERE id = ${p.holdId}), 0) AS charged_micros
      FROM chk WHERE chk.fresh
    ),
    xtra AS (${f.also.build(p)})`
        : sql``
    }
    SELECT chk.fresh, chk.stale, h.id, h.account_id, a.balance_micros
    FROM chk LEFT JOIN h ON true LEFT JOIN a ON true`;
});

function shapeOf(f: FinishInput, force: boolean): string {
  return `${f.touchKey ? 1 : 0}${force ? 1 : 0}${f.also?.key ?? ""}`;
}

function settleValues(f: FinishInput, ids: { charge: string; fee: string }): Record<string, unknown> {
  return {
    ...f.also?.values,
    holdId: f.holdId,
    total: (f.chargeMicros + f.byokFeeMicros).toString(),
    charge: f.chargeMicros.toString(),
    fee: f.byokFeeMicros.toString(),
    now: f.now ? f.now.toISOString() : null,
    description: f.description ?? null,
    chargeEntryId: ids.charge,
    feeEntryId: ids.fee,
  };
}

/**
 * Closes one pending hold; null when it is not pending (already closed) or does not exist.
 * Joins the caller's transaction when db is one.
 */
export async function finishHold(db: DbOrTx, f: FinishInput): Promise<Finished | null> {
  // Ids only for the entries this settlement can write (random ids cost CPU on the hot path);
  // an unused one is a placeholder its branch of the statement never reads.
  const ids = { charge: f.chargeMicros > 0n ? newId("entry") : "", fee: f.byokFeeMicros > 0n ? newId("entry") : "" };
  const done = (r: FinishRow): Finished | null =>
    r.id && r.account_id && r.balance_micros != null ? { holdId: r.id, accountId: r.account_id, balanceAfterMicros: toBig(r.balance_micros) } : null;
  for (let attempt = 0; attempt < 3; attempt++) {
    const r = (await runPrepared<FinishRow>(db, settleStatement(shapeOf(f, false), { f, force: false }), settleValues(f, ids), f.accountId))[0];
    if (!r) return null; // no such hold
    if (r.fresh === true || r.fresh === "t") return done(r);
    if (r.stale === true || r.stale === "t") break; // expired lots to book first (below)
    // A top-up committed while we waited for the account lock: nothing was written; re-run.
  }
  // Still racing top-ups (or the books are already off): take the account lock first, so the
  // statement's snapshot is current, and settle regardless — a charge is never dropped.
  return inTx(db, async (tx) => {
    const acct = await rows<{ account_id: string }>(tx, sql`SELECT account_id FROM holds WHERE id = ${f.holdId}`);
    if (!acct[0]) return null;
    await lockAccount(tx, acct[0].account_id);
    // Lots past their expiry get their expiry entries now (what the nightly job would write), so
    // the charge draws only live lots and Σ lots = max(balance, 0) holds at commit.
    await expireAccount(tx, acct[0].account_id, f.now);
    const r = (await runPrepared<FinishRow>(tx, settleStatement(shapeOf(f, true), { f, force: true }), settleValues(f, ids)))[0];
    return r ? done(r) : null;
  });
}

export async function settle(db: DbOrTx, input: SettleInput): Promise<SettleResult> {
  // With an explicit clock (tests, replays) the settlement runs alone: a batch uses the database's.
  if (!input.accountId || input.now) return settleWith(db, input, {});
  const fee = input.byokFeeMicros ?? 0n;
  requireNonNegative("chargeMicros", input.chargeMicros);
  requireNonNegative("byokFeeMicros", fee);
  const description = input.description ? input.description.slice(0, 500) : null;
  const item = settleItem(input.accountId, input.holdId, input.chargeMicros, fee, description, false, null);
  return settleThroughLane(db, item, () => settleWith(db, input, { accountId: input.accountId }));
}

/** settle() plus the FinishInput extras (touchKey, also) — still one statement on the hot path. */
export async function settleWith(db: DbOrTx, input: SettleInput, extra: Pick<FinishInput, "touchKey" | "also" | "accountId">): Promise<SettleResult> {
  const fee = input.byokFeeMicros ?? 0n;
  requireNonNegative("chargeMicros", input.chargeMicros);
  requireNonNegative("byokFeeMicros", fee);
  const done = await finishHold(db, {
    holdId: input.holdId,
    chargeMicros: input.chargeMicros,
    byokFeeMicros: fee,
    // Free text from the caller; bounded so a huge string cannot bloat every ledger row.
    description: input.description ? input.description.slice(0, 500) : null,
    now: input.now,
    touchKey: extra.touchKey,
    also: extra.also,
    accountId: extra.accountId,
  });
  if (done) return { status: "settled", chargedMicros: input.chargeMicros + fee, balanceAfterMicros: done.balanceAfterMicros };
  const r = await rows<{ status: string; charged_micros: string | null; balance_micros: string }>(
    db,
    sql`SELECT h.status, h.charged_micros, a.balance_micros FROM holds h JOIN accounts a ON a.id = h.account_id WHERE h.id = ${input.holdId}`,
  );
  if (!r[0]) throw new AppError("NOT_FOUND", `hold ${input.holdId} not found`);
  return {
    status: "already_settled",
    chargedMicros: r[0].charged_micros == null ? 0n : toBig(r[0].charged_micros),
    balanceAfterMicros: toBig(r[0].balance_micros),
  };
}

/** Settle with charge 0: the hold becomes 'released' and nothing is charged. */
export function releaseHold(db: DbOrTx, holdId: string, now?: Date, accountId?: string): Promise<SettleResult> {
  return settle(db, { holdId, chargeMicros: 0n, now, accountId });
}
