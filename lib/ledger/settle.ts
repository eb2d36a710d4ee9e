// Settlement: closes a hold exactly once. The first statement flips the hold from 'pending'
// (the idempotency guard: a second call finds nothing to flip and writes nothing), releases the
// held amounts, applies the charge to the account, key and key-day, and appends the charge /
// BYOK-fee entries — all in one statement. Lots are then drawn FIFO in the same transaction.
import { sql, type SQL } from "drizzle-orm";
import { rows, type DbOrTx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { big, fastRows, inTx, requireNonNegative, toBig, tsParam } from "./entries";
import { consumeLots } from "./lots";
import type { SettleInput, SettleResult } from "./types";

interface FinishInput {
  /** SQL yielding the id of the hold to close. */
  selector: SQL;
  chargeMicros: bigint;
  byokFeeMicros: bigint;
  description?: string | null;
  now?: Date;
}

interface FinishRow {
  id: string;
  account_id: string;
  balance_micros: string;
}

/** The oldest expired pending hold nobody else is working on. */
export function sweepSelector(now: Date | undefined): SQL {
  return sql`(SELECT id FROM holds WHERE status = 'pending' AND expires_at <= COALESCE(${tsParam(now)}, now())
              ORDER BY expires_at LIMIT 1 FOR UPDATE SKIP LOCKED)`;
}

/**
 * Closes one pending hold; null when the selected hold is not pending (already closed or absent).
 * With a charge, runs in a transaction (the caller's, if db is one) so lots move with the entry.
 */
export async function finishHold(db: DbOrTx, f: FinishInput): Promise<{ holdId: string; accountId: string; balanceAfterMicros: bigint } | null> {
  const total = f.chargeMicros + f.byokFeeMicros;
  const chargeId = newId("entry");
  const feeId = newId("entry");
  const stmt = sql`
    WITH pn AS (SELECT COALESCE(${tsParam(f.now)}, now()) AS now),
    h AS (
      UPDATE holds SET status = ${total > 0n ? "settled" : "released"}::hold_status,
                       charged_micros = ${big(total)}, settled_at = pn.now
      FROM pn
      WHERE holds.id = ${f.selector} AND holds.status = 'pending'
      RETURNING holds.id, holds.account_id, holds.key_id, holds.day, holds.amount_micros, holds.request_id
    ),
    a AS (
      UPDATE accounts SET held_micros = accounts.held_micros - h.amount_micros,
                          balance_micros = accounts.balance_micros - ${big(total)}
      FROM h WHERE accounts.id = h.account_id
      RETURNING accounts.id, accounts.balance_micros
    ),
    k AS (
      UPDATE api_keys SET held_micros = api_keys.held_micros - h.amount_micros,
                          spent_micros = api_keys.spent_micros + ${big(total)}
      FROM h, a WHERE api_keys.id = h.key_id
      RETURNING api_keys.id
    ),
    d AS (
      UPDATE api_key_daily_spend ds SET held_micros = ds.held_micros - h.amount_micros,
                                        spent_micros = ds.spent_micros + ${big(total)}
      FROM h, k WHERE ds.key_id = k.id AND ds.day = h.day
      RETURNING ds.key_id
    ),
    e AS (
      INSERT INTO ledger_entries (id, account_id, type, amount_micros, balance_after_micros, request_id, hold_id, description, created_at)
      SELECT ${chargeId}, a.id, 'charge'::ledger_entry_type, -${big(f.chargeMicros)}, a.balance_micros + ${big(f.byokFeeMicros)},
             h.request_id, h.id, ${f.description ?? null}::text, pn.now
      FROM h, a, pn WHERE ${big(f.chargeMicros)} > 0
      UNION ALL
      SELECT ${feeId}, a.id, 'byok_fee'::ledger_entry_type, -${big(f.byokFeeMicros)}, a.balance_micros,
             h.request_id, h.id, ${f.description ?? null}::text, pn.now
      FROM h, a, pn WHERE ${big(f.byokFeeMicros)} > 0
      RETURNING id
    )
    SELECT h.id, h.account_id, a.balance_micros, (SELECT COUNT(*) FROM e) AS entries,
           (SELECT COUNT(*) FROM d) AS days
    FROM h JOIN a ON a.id = h.account_id`;

  const run = async (tx: DbOrTx) => {
    const r = (await fastRows<FinishRow>(tx, stmt))[0];
    if (!r) return null;
    // The charge entry is written before the fee entry (UNION ALL order), so draw in that order.
    await consumeLots(tx, r.account_id, chargeId, f.chargeMicros);
    await consumeLots(tx, r.account_id, feeId, f.byokFeeMicros);
    return { holdId: r.id, accountId: r.account_id, balanceAfterMicros: toBig(r.balance_micros) };
  };
  // A release is a single statement, atomic on its own: skip the transaction round trips.
  return total > 0n ? inTx(db, run) : run(db);
}

export async function settle(db: DbOrTx, input: SettleInput): Promise<SettleResult> {
  const fee = input.byokFeeMicros ?? 0n;
  requireNonNegative("chargeMicros", input.chargeMicros);
  requireNonNegative("byokFeeMicros", fee);
  const done = await finishHold(db, {
    selector: sql`${input.holdId}`,
    chargeMicros: input.chargeMicros,
    byokFeeMicros: fee,
    description: input.description,
    now: input.now,
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
export function releaseHold(db: DbOrTx, holdId: string, now?: Date): Promise<SettleResult> {
  return settle(db, { holdId, chargeMicros: 0n, now });
}
