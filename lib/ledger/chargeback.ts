// Card chargebacks (Stripe disputes against a top-up payment). Design (docs/ARCHITECTURE.md):
// - opened: the credit that payment bought and that is still unspent (its lot's remainder, up to
//   the disputed amount) leaves the balance in a `chargeback_freeze` entry drawn from that lot —
//   frozen credit cannot be held, spent or expire, and needs no special case anywhere else;
// - won (or an inquiry closed without a chargeback): a `chargeback_release` entry puts it back as
//   a new paid lot (expiring no sooner than the purchase lot, and at least 30 days out);
// - lost: the frozen credit stays gone, and the rest of the disputed amount (what had already
//   been spent) is booked as a `chargeback` entry drawn from any other credit; beyond that the
//   balance goes negative, which refuses new calls (402) until a top-up pays it back.
// The `chargebacks` row (Stripe dispute id as primary key) is the idempotency key and the state
// machine open → won | lost, changed only under the account lock: replays, concurrent deliveries
// and a `closed` event arriving before its `created` all end in the same books.
import { sql } from "drizzle-orm";
import { writeAudit } from "@/lib/audit";
import { rows, type DbOrTx } from "@/lib/db";
import { newId } from "@/lib/ids";
import { big, inSavepoint, insertEntry, lockAccount, lockAccountAndApply, nowSql, requireNonNegative, toBig } from "./entries";
import { expireAccount } from "./expiry";
import { consumeLots, drawFromLot, payDebtFromNewLot } from "./lots";

export interface ChargebackInput {
  /** Stripe dispute id (dp_…). */
  disputeId: string;
  paymentIntentId: string;
  chargeId?: string | null;
  amountMicros: bigint;
  reason?: string | null;
  now?: Date;
}

export type ChargebackOutcome = "won" | "lost";

export interface ChargebackState {
  disputeId: string;
  accountId: string;
  lotId: string;
  status: "open" | "won" | "lost";
  amountMicros: bigint;
  frozenMicros: bigint;
  lostMicros: bigint;
  /** True when this call changed the state (false: replay, or already past this step). */
  changed: boolean;
}

interface Row {
  id: string;
  account_id: string;
  lot_id: string;
  status: "open" | "won" | "lost";
  amount_micros: string;
  frozen_micros: string;
  lost_micros: string;
}

const state = (r: Row, changed: boolean): ChargebackState => ({
  disputeId: r.id,
  accountId: r.account_id,
  lotId: r.lot_id,
  status: r.status,
  amountMicros: toBig(r.amount_micros),
  frozenMicros: toBig(r.frozen_micros),
  lostMicros: toBig(r.lost_micros),
  changed,
});

async function chargebackRow(tx: DbOrTx, disputeId: string, lock: boolean): Promise<Row | null> {
  const r = await rows<Row>(
    tx,
    sql`SELECT id, account_id, lot_id, status, amount_micros, frozen_micros, lost_micros FROM chargebacks WHERE id = ${disputeId} ${lock ? sql`FOR UPDATE` : sql``}`,
  );
  return r[0] ?? null;
}

/** The paid lot a payment bought (the original purchase, not a restored one). */
async function purchaseLot(db: DbOrTx, paymentIntentId: string): Promise<{ id: string; account_id: string } | null> {
  const r = await rows<{ id: string; account_id: string }>(
    db,
    sql`SELECT id, account_id FROM credit_lots
        WHERE kind = 'paid' AND stripe_payment_intent_id = ${paymentIntentId} AND stripe_session_id IS NOT NULL
        ORDER BY created_at LIMIT 1`,
  );
  return r[0] ?? null;
}

/**
 * charge.dispute.created: freezes the payment's unspent credit. null when the payment bought no
 * Tollgate credit (not ours to handle).
 */
export async function openChargeback(db: DbOrTx, input: ChargebackInput): Promise<ChargebackState | null> {
  requireNonNegative("amountMicros", input.amountMicros);
  const existing = await chargebackRow(db, input.disputeId, false);
  if (existing) return state(existing, false);
  const lot = await purchaseLot(db, input.paymentIntentId);
  if (!lot) return null;
  return inSavepoint(db, async (tx) => {
    await lockAccount(tx, lot.account_id);
    const inserted = await rows<{ id: string }>(
      tx,
      sql`INSERT INTO chargebacks (id, account_id, lot_id, charge_id, payment_intent_id, amount_micros, reason, created_at)
          VALUES (${input.disputeId}, ${lot.account_id}, ${lot.id}, ${input.chargeId ?? null}, ${input.paymentIntentId},
                  ${big(input.amountMicros)}, ${input.reason ?? null}, ${nowSql(input.now)})
          ON CONFLICT (id) DO NOTHING RETURNING id`,
    );
    // A concurrent delivery got here first (we waited on its account lock): its result stands.
    if (inserted.length === 0) return state((await chargebackRow(tx, input.disputeId, false))!, false);
    const [{ remaining_micros }] = await rows<{ remaining_micros: string }>(tx, sql`SELECT remaining_micros FROM credit_lots WHERE id = ${lot.id}`);
    const left = toBig(remaining_micros);
    const frozen = left < input.amountMicros ? left : input.amountMicros;
    let entryId: string | null = null;
    if (frozen > 0n) {
      const { after } = await lockAccountAndApply(tx, lot.account_id, -frozen);
      entryId = await insertEntry(tx, {
        accountId: lot.account_id,
        type: "chargeback_freeze",
        amountMicros: -frozen,
        balanceAfterMicros: after,
        lotId: lot.id,
        stripeReference: input.disputeId,
        description: "Card payment disputed: its unspent credit is frozen until the dispute closes",
        now: input.now,
      });
      await drawFromLot(tx, lot.id, entryId, frozen);
    }
    const [row] = await rows<Row>(
      tx,
      sql`UPDATE chargebacks SET frozen_micros = ${big(frozen)}, freeze_entry_id = ${entryId} WHERE id = ${input.disputeId}
          RETURNING id, account_id, lot_id, status, amount_micros, frozen_micros, lost_micros`,
    );
    await writeAudit(tx, {
      accountId: lot.account_id,
      actorKind: "system",
      action: "chargeback.open",
      targetType: "chargeback",
      targetId: input.disputeId,
      data: { lotId: lot.id, paymentIntentId: input.paymentIntentId, amountMicros: input.amountMicros, frozenMicros: frozen, entryId, reason: input.reason ?? null },
    });
    return state(row, true);
  });
}

/**
 * charge.dispute.closed. Opens the chargeback first when its `created` event has not arrived yet
 * (reordering), then applies the outcome once.
 */
export async function closeChargeback(db: DbOrTx, input: ChargebackInput & { outcome: ChargebackOutcome; stripeStatus: string }): Promise<ChargebackState | null> {
  const opened = await openChargeback(db, input);
  if (!opened) return null;
  return inSavepoint(db, async (tx) => {
    await lockAccount(tx, opened.accountId);
    const cb = (await chargebackRow(tx, input.disputeId, true))!;
    if (cb.status !== "open") return state(cb, false);
    const frozen = toBig(cb.frozen_micros);
    const amount = toBig(cb.amount_micros);
    let entryId: string | null = null;
    let lost = 0n;
    if (input.outcome === "won" && frozen > 0n) {
      const lotId = newId("lot");
      const at = nowSql(input.now);
      await tx.execute(sql`
        INSERT INTO credit_lots (id, account_id, kind, original_micros, remaining_micros, expires_at, stripe_payment_intent_id, reason, created_at)
        SELECT ${lotId}, account_id, 'paid', ${big(frozen)}, ${big(frozen)},
               GREATEST(expires_at, ${at} + interval '30 days'), stripe_payment_intent_id, 'Chargeback won: frozen credit restored', ${at}
        FROM credit_lots WHERE id = ${cb.lot_id}`);
      const { before, after } = await lockAccountAndApply(tx, cb.account_id, frozen);
      entryId = await insertEntry(tx, {
        accountId: cb.account_id,
        type: "chargeback_release",
        amountMicros: frozen,
        balanceAfterMicros: after,
        lotId,
        stripeReference: input.disputeId,
        description: "Card dispute closed in your favour: frozen credit restored",
        now: input.now,
      });
      await payDebtFromNewLot(tx, lotId, entryId, frozen, before);
    } else if (input.outcome === "lost") {
      lost = amount - frozen;
      if (lost > 0n) {
        // Spend-only rule: credit past its expiry is booked as expired first, never taken here.
        await expireAccount(tx, cb.account_id, input.now);
        const { after } = await lockAccountAndApply(tx, cb.account_id, -lost);
        entryId = await insertEntry(tx, {
          accountId: cb.account_id,
          type: "chargeback",
          amountMicros: -lost,
          balanceAfterMicros: after,
          stripeReference: input.disputeId,
          description: "Card dispute lost: credit already spent from the disputed payment is charged back",
          now: input.now,
        });
        await consumeLots(tx, cb.account_id, entryId, lost);
      }
    }
    const [row] = await rows<Row>(
      tx,
      sql`UPDATE chargebacks SET status = ${input.outcome}, stripe_status = ${input.stripeStatus}, lost_micros = ${big(lost)},
                                 close_entry_id = ${entryId}, closed_at = ${nowSql(input.now)}
          WHERE id = ${input.disputeId}
          RETURNING id, account_id, lot_id, status, amount_micros, frozen_micros, lost_micros`,
    );
    await writeAudit(tx, {
      accountId: cb.account_id,
      actorKind: "system",
      action: `chargeback.${input.outcome}`,
      targetType: "chargeback",
      targetId: input.disputeId,
      data: { stripeStatus: input.stripeStatus, frozenMicros: frozen, lostMicros: lost, entryId },
    });
    return state(row, true);
  });
}
