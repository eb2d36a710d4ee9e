// Stripe refunds of a purchase. The refund claws back credit from THAT purchase's lot only, and
// never more than the lot still holds: credit already spent (or expired) cannot be taken back
// without creating debt the customer never agreed to, so that part is reported as
// `unrecoveredMicros` for finance to handle. A refund that recovers nothing is still recorded
// (a zero `refund` entry) so the ledger shows every Stripe refund exactly once.
import { sql } from "drizzle-orm";
import { writeAudit } from "@/lib/audit";
import { rows, type DbOrTx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { inSavepoint, insertEntry, isUniqueViolation, lockAccount, lockAccountAndApply, requirePositive, toBig } from "./entries";
import { drawFromLot } from "./lots";
import type { RefundInput, RefundResult } from "./types";

async function existingRefund(db: DbOrTx, refundId: string, requested: bigint): Promise<RefundResult | null> {
  const r = await rows<{ id: string; amount_micros: string }>(
    db,
    sql`SELECT id, amount_micros FROM ledger_entries WHERE type = 'refund' AND stripe_reference = ${refundId}`,
  );
  if (!r[0]) return null;
  const taken = -toBig(r[0].amount_micros);
  return { created: false, entryId: r[0].id, amountMicros: taken, unrecoveredMicros: requested > taken ? requested - taken : 0n };
}

export async function refundPurchase(db: DbOrTx, input: RefundInput): Promise<RefundResult> {
  requirePositive("amountMicros", input.amountMicros);
  if (!input.stripeRefundId) throw new AppError("INVALID_REQUEST", "stripeRefundId is required", { param: "stripeRefundId" });
  if (!input.stripeSessionId && !input.stripePaymentIntentId) {
    throw new AppError("INVALID_REQUEST", "stripeSessionId or stripePaymentIntentId is required", { param: "stripeSessionId" });
  }
  const prior = await existingRefund(db, input.stripeRefundId, input.amountMicros);
  if (prior) return prior;

  const lots = await rows<{ id: string; account_id: string }>(
    db,
    sql`SELECT id, account_id FROM credit_lots
        WHERE kind = 'paid' AND (stripe_session_id = ${input.stripeSessionId ?? null}::text
           OR stripe_payment_intent_id = ${input.stripePaymentIntentId ?? null}::text)
        ORDER BY created_at LIMIT 1`,
  );
  const lot = lots[0];
  if (!lot) throw new AppError("NOT_FOUND", "no credited purchase matches this refund");
  const entryId = newId("entry");
  try {
    const taken = await inSavepoint(db, async (tx) => {
      await lockAccount(tx, lot.account_id);
      const remaining = await rows<{ remaining_micros: string }>(tx, sql`SELECT remaining_micros FROM credit_lots WHERE id = ${lot.id}`);
      const left = toBig(remaining[0].remaining_micros);
      const take = input.amountMicros < left ? input.amountMicros : left;
      const { after } = await lockAccountAndApply(tx, lot.account_id, -take);
      await insertEntry(tx, {
        id: entryId,
        accountId: lot.account_id,
        type: "refund",
        amountMicros: -take,
        balanceAfterMicros: after,
        lotId: lot.id,
        stripeReference: input.stripeRefundId,
        description: take < input.amountMicros ? `Stripe refund (${input.amountMicros - take} micros already spent, not recovered)` : "Stripe refund",
        now: input.now,
      });
      await drawFromLot(tx, lot.id, entryId, take);
      await writeAudit(tx, {
        accountId: lot.account_id,
        actorKind: "system",
        action: "credit.refund",
        targetType: "ledger_entry",
        targetId: entryId,
        data: { stripeRefundId: input.stripeRefundId, lotId: lot.id, requestedMicros: input.amountMicros, recoveredMicros: take },
      });
      return take;
    });
    return { created: true, entryId, amountMicros: taken, unrecoveredMicros: input.amountMicros - taken };
  } catch (e) {
    if (isUniqueViolation(e)) {
      const again = await existingRefund(db, input.stripeRefundId, input.amountMicros);
      if (again) return again;
    }
    throw e;
  }
}
