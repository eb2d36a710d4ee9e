// Credit lots: every top-up, grant or promo is a lot; negative entries draw lots down FIFO by
// earliest expiry and record how in lot_allocations. Callers hold the account lock (entries.ts),
// so these statements see every committed lot change and need no locks of their own.
import { sql } from "drizzle-orm";
import { rows, type DbOrTx } from "@/lib/db";
import { big, nowSql, toBig } from "./entries";

export const LOT_TTL_DAYS = 365;

/**
 * The settlement statements' FIFO queue of live lots: CTE `lk` (the locked lots) laid end to end
 * by expiry, each with `rem` and `before` (what the lots ahead of it hold); `pn.now` is the clock.
 */
export const LIVE_LOTS_FIFO = sql`
      SELECT id, remaining_micros AS rem,
             SUM(remaining_micros) OVER (ORDER BY expires_at, created_at, id) - remaining_micros AS before
      FROM lk, pn WHERE lk.expires_at > pn.now`;

/**
 * Draws up to amountMicros from the account's lots, earliest expiry first, and records the
 * allocations against entryId. Returns what the lots covered; the rest (if any) is debt, i.e.
 * the balance goes below zero. One statement: cumulative sums pick the lots.
 */
export async function consumeLots(tx: DbOrTx, accountId: string, entryId: string, amountMicros: bigint): Promise<bigint> {
  if (amountMicros <= 0n) return 0n;
  const r = await rows<{ taken: string | null }>(
    tx,
    sql`
    WITH ordered AS (
      SELECT id, remaining_micros,
             SUM(remaining_micros) OVER (ORDER BY expires_at, created_at, id) - remaining_micros AS before
      FROM credit_lots
      WHERE account_id = ${accountId} AND remaining_micros > 0
    ),
    alloc AS (
      SELECT id, LEAST(remaining_micros, ${big(amountMicros)} - before) AS take
      FROM ordered WHERE before < ${big(amountMicros)}
    ),
    upd AS (
      UPDATE credit_lots c SET remaining_micros = c.remaining_micros - alloc.take
      FROM alloc WHERE c.id = alloc.id
      RETURNING c.id
    ),
    ins AS (
      INSERT INTO lot_allocations (entry_id, lot_id, amount_micros)
      SELECT ${entryId}, id, take FROM alloc
      RETURNING amount_micros
    )
    SELECT SUM(amount_micros) AS taken FROM ins`,
  );
  return r[0]?.taken == null ? 0n : toBig(r[0].taken);
}

/** Draws from one specific lot (refunds of a purchase, expiry of a lot). */
export async function drawFromLot(tx: DbOrTx, lotId: string, entryId: string, amountMicros: bigint): Promise<void> {
  if (amountMicros <= 0n) return;
  await tx.execute(sql`
    WITH upd AS (
      UPDATE credit_lots SET remaining_micros = remaining_micros - ${big(amountMicros)}
      WHERE id = ${lotId} RETURNING id
    )
    INSERT INTO lot_allocations (entry_id, lot_id, amount_micros)
    SELECT ${entryId}, id, ${big(amountMicros)} FROM upd`);
}

/**
 * A credit that lands on a negative balance first pays that debt: the new lot keeps only what
 * is left, and an allocation (against the crediting entry) records the part that paid the debt,
 * so every lot's original − remaining = Σ its allocations.
 */
export async function payDebtFromNewLot(
  tx: DbOrTx,
  lotId: string,
  entryId: string,
  amountMicros: bigint,
  balanceBefore: bigint,
): Promise<bigint> {
  if (balanceBefore >= 0n) return 0n;
  const debt = -balanceBefore < amountMicros ? -balanceBefore : amountMicros;
  await drawFromLot(tx, lotId, entryId, debt);
  return debt;
}

/** A new paid top-up restarts the clock of every unexpired paid lot (never shortens one). */
export async function extendPaidLots(tx: DbOrTx, accountId: string, now: Date | undefined): Promise<void> {
  const at = nowSql(now);
  await tx.execute(sql`
    UPDATE credit_lots SET expires_at = ${at} + make_interval(days => ${LOT_TTL_DAYS})
    WHERE account_id = ${accountId} AND kind = 'paid' AND expired_at IS NULL
      AND expires_at > ${at} AND expires_at < ${at} + make_interval(days => ${LOT_TTL_DAYS})`);
}
