// Money in: paid top-ups, grants, promos and staff adjustments. Each is one lot + one entry +
// one audit row in one transaction; unique keys (Stripe session id, dispute id) make retries
// and concurrent duplicates return the first result without writing anything.
import { sql } from "drizzle-orm";
import { writeAudit } from "@/lib/audit";
import { rows, type DbOrTx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import {
  big,
  inSavepoint,
  insertEntry,
  isUniqueViolation,
  lockAccount,
  lockAccountAndApply,
  nowSql,
  requirePositive,
  toBig,
  tsParam,
} from "./entries";
import { consumeLots, extendPaidLots, LOT_TTL_DAYS, payDebtFromNewLot } from "./lots";
import type { AdjustInput, AdjustResult, CreditInput, CreditResult, Credits } from "./types";

const KINDS = new Set(["paid", "grant", "promo"]);
const MAX_TEXT = 500;

function checkText(name: string, v: string | null | undefined): void {
  if (v != null && (typeof v !== "string" || v.length > MAX_TEXT)) {
    throw new AppError("INVALID_REQUEST", `${name} must be a string of at most ${MAX_TEXT} characters`, { param: name });
  }
}

async function insertLot(
  tx: DbOrTx,
  p: {
    id: string;
    accountId: string;
    kind: string;
    amountMicros: bigint;
    expiresAt: ReturnType<typeof sql>;
    stripeSessionId?: string | null;
    grantKey?: string | null;
    stripePaymentIntentId?: string | null;
    reason?: string | null;
    now?: Date;
  },
): Promise<boolean> {
  // Either idempotency key (a Stripe session, an operator's grant key) may already have its lot.
  const r = await rows<{ id: string }>(
    tx,
    sql`INSERT INTO credit_lots (id, account_id, kind, original_micros, remaining_micros, expires_at,
          stripe_session_id, grant_key, stripe_payment_intent_id, reason, created_at)
        VALUES (${p.id}, ${p.accountId}, ${p.kind}::lot_kind, ${big(p.amountMicros)}, ${big(p.amountMicros)}, ${p.expiresAt},
          ${p.stripeSessionId ?? null}, ${p.grantKey ?? null}, ${p.stripePaymentIntentId ?? null}, ${p.reason ?? null}, ${nowSql(p.now)})
        ON CONFLICT DO NOTHING
        RETURNING id`,
  );
  return r.length > 0;
}

type CreditKey = { stripeSessionId: string } | { grantKey: string };

async function existingCredit(db: DbOrTx, key: CreditKey, accountId: string): Promise<CreditResult> {
  const where = "stripeSessionId" in key ? sql`l.stripe_session_id = ${key.stripeSessionId}` : sql`l.grant_key = ${key.grantKey}`;
  const what = "stripeSessionId" in key ? `checkout session ${key.stripeSessionId}` : `grant key ${key.grantKey}`;
  const r = await rows<{ lot_id: string; account_id: string; entry_id: string | null }>(
    db,
    sql`SELECT l.id AS lot_id, l.account_id,
               (SELECT e.id FROM ledger_entries e WHERE e.lot_id = l.id AND e.type IN ('topup', 'grant') ORDER BY e.seq LIMIT 1) AS entry_id
        FROM credit_lots l WHERE ${where}`,
  );
  const row = r[0];
  if (!row || !row.entry_id) throw new AppError("CONFLICT", `${what} is being credited concurrently; retry`);
  if (row.account_id !== accountId) throw new AppError("CONFLICT", `${what} already credited another account`);
  return { created: false, lotId: row.lot_id, entryId: row.entry_id };
}

/**
 * Adds credit. Paid: the lot expires 365 days from now and every unexpired paid lot of the
 * account is extended to the same date. Grant/promo: own expiry (default 365 days). A negative
 * balance (earlier overage) is paid first, so Σ lot remainders = max(balance, 0) keeps holding.
 */
export async function creditAccount(db: DbOrTx, input: CreditInput): Promise<CreditResult> {
  requirePositive("amountMicros", input.amountMicros);
  if (!KINDS.has(input.kind)) throw new AppError("INVALID_REQUEST", "kind must be paid, grant or promo", { param: "kind" });
  checkText("reason", input.reason);
  checkText("stripeSessionId", input.stripeSessionId);
  checkText("grantKey", input.grantKey);
  if (input.grantKey && input.kind === "paid") throw new AppError("INVALID_REQUEST", "a paid top-up is keyed by its Stripe session, not a grant key", { param: "grantKey" });
  const now = input.now;
  if (input.kind !== "paid" && input.expiresAt && input.expiresAt.getTime() <= (now ?? new Date()).getTime()) {
    throw new AppError("INVALID_REQUEST", "expiresAt must be in the future", { param: "expiresAt" });
  }
  const at = nowSql(now);
  const expiresAt =
    input.kind !== "paid" && input.expiresAt ? tsParam(input.expiresAt) : sql`${at} + make_interval(days => ${LOT_TTL_DAYS})`;
  const sessionId = input.stripeSessionId ?? null;
  const grantKey = input.grantKey ?? null;
  const key: CreditKey | null = sessionId ? { stripeSessionId: sessionId } : grantKey ? { grantKey } : null;
  const lotId = newId("lot");
  const entryId = newId("entry");
  try {
    const created = await inSavepoint(db, async (tx) => {
      // Account lock first (as every ledger operation): concurrent duplicates of one session
      // queue here, and the later ones find the session's lot already there and back off.
      await lockAccount(tx, input.accountId);
      const claimed = await insertLot(tx, {
        id: lotId,
        accountId: input.accountId,
        kind: input.kind,
        amountMicros: input.amountMicros,
        expiresAt,
        stripeSessionId: sessionId,
        grantKey,
        stripePaymentIntentId: input.stripePaymentIntentId,
        reason: input.reason,
        now,
      });
      if (!claimed) return false;
      const paid = input.kind === "paid";
      const { before, after } = await lockAccountAndApply(tx, input.accountId, input.amountMicros, paid ? { paidTopupAt: at } : {});
      if (paid) await extendPaidLots(tx, input.accountId, now);
      await insertEntry(tx, {
        id: entryId,
        accountId: input.accountId,
        type: paid ? "topup" : "grant",
        amountMicros: input.amountMicros,
        balanceAfterMicros: after,
        lotId,
        stripeReference: sessionId,
        description: input.reason ?? (paid ? "Credit top-up" : `${input.kind === "promo" ? "Promotional" : "Granted"} credit`),
        createdBy: input.actor.userId ?? null,
        now,
      });
      const debtPaid = await payDebtFromNewLot(tx, lotId, entryId, input.amountMicros, before);
      await writeAudit(tx, {
        accountId: input.accountId,
        actorUserId: input.actor.userId ?? null,
        actorKind: input.actor.kind,
        action: paid ? "credit.topup" : `credit.${input.kind}`,
        targetType: "credit_lot",
        targetId: lotId,
        data: { amountMicros: input.amountMicros, entryId, stripeSessionId: sessionId, grantKey, reason: input.reason ?? null, debtPaidMicros: debtPaid },
      });
      return true;
    });
    if (created) return { created: true, lotId, entryId };
  } catch (e) {
    if (!(key && isUniqueViolation(e))) throw e;
  }
  if (!key) throw new AppError("CONFLICT", "credit lot could not be created; retry");
  return existingCredit(db, key, input.accountId);
}

async function existingAdjustment(db: DbOrTx, disputeId: string): Promise<AdjustResult | null> {
  const r = await rows<{ id: string; lot_id: string | null }>(
    db,
    sql`SELECT id, lot_id FROM ledger_entries WHERE type = 'adjustment' AND dispute_id = ${disputeId}`,
  );
  return r[0] ? { created: false, entryId: r[0].id, lotId: r[0].lot_id } : null;
}

/**
 * Staff correction. Positive: a grant lot + adjustment entry (pays any debt first). Negative:
 * drawn FIFO from lots, refused beyond the current balance (staff never create debt).
 * Idempotent per disputeId.
 */
export async function adjustCredit(db: DbOrTx, input: AdjustInput): Promise<AdjustResult> {
  if (typeof input.amountMicros !== "bigint" || input.amountMicros === 0n) {
    throw new AppError("INVALID_REQUEST", "amountMicros must be a non-zero bigint", { param: "amountMicros" });
  }
  if (!input.reason || !input.reason.trim()) throw new AppError("INVALID_REQUEST", "reason is required", { param: "reason" });
  checkText("reason", input.reason);
  const disputeId = input.disputeId ?? null;
  if (disputeId) {
    const prior = await existingAdjustment(db, disputeId);
    if (prior) return prior;
  }
  const amount = input.amountMicros;
  const now = input.now;
  const entryId = newId("entry");
  const lotId = amount > 0n ? newId("lot") : null;
  try {
    await inSavepoint(db, async (tx) => {
      await lockAccount(tx, input.accountId);
      if (lotId) {
        await insertLot(tx, {
          id: lotId,
          accountId: input.accountId,
          kind: "grant",
          amountMicros: amount,
          expiresAt: sql`${nowSql(now)} + make_interval(days => ${LOT_TTL_DAYS})`,
          reason: input.reason,
          now,
        });
      }
      const { before, after } = await lockAccountAndApply(tx, input.accountId, amount);
      if (amount < 0n && after < 0n) {
        throw new AppError("INVALID_REQUEST", `cannot debit more than the balance (${before} micros)`, { param: "amountMicros" });
      }
      await insertEntry(tx, {
        id: entryId,
        accountId: input.accountId,
        type: "adjustment",
        amountMicros: amount,
        balanceAfterMicros: after,
        lotId,
        disputeId,
        description: input.reason,
        createdBy: input.actor.userId ?? null,
        now,
      });
      if (lotId) await payDebtFromNewLot(tx, lotId, entryId, amount, before);
      else await consumeLots(tx, input.accountId, entryId, -amount);
      await writeAudit(tx, {
        accountId: input.accountId,
        actorUserId: input.actor.userId ?? null,
        actorKind: input.actor.kind,
        action: "credit.adjust",
        targetType: "ledger_entry",
        targetId: entryId,
        data: { amountMicros: amount, disputeId, lotId, reason: input.reason },
      });
    });
    return { created: true, entryId, lotId };
  } catch (e) {
    if (disputeId && isUniqueViolation(e)) {
      const prior = await existingAdjustment(db, disputeId);
      if (prior) return prior;
    }
    throw e;
  }
}

export async function getCredits(db: DbOrTx, accountId: string, now?: Date): Promise<Credits> {
  const r = await rows<{ balance_micros: string; held_micros: string; expiring: string; lapsed: string }>(
    db,
    sql`SELECT a.balance_micros, a.held_micros,
               (SELECT COALESCE(SUM(l.remaining_micros), 0) FROM credit_lots l
                WHERE l.account_id = a.id AND l.remaining_micros > 0 AND l.expires_at <= ${nowSql(now)}) AS lapsed,
               (SELECT COALESCE(SUM(l.remaining_micros), 0) FROM credit_lots l
                WHERE l.account_id = a.id AND l.remaining_micros > 0
                  AND l.expires_at <= ${nowSql(now)} + interval '30 days') AS expiring
        FROM accounts a WHERE a.id = ${accountId}`,
  );
  if (!r[0]) throw new AppError("NOT_FOUND", `account ${accountId} not found`);
  const balance = toBig(r[0].balance_micros);
  const held = toBig(r[0].held_micros);
  // Lots past their expiry whose expiry entry is not booked yet are not available.
  return { balanceMicros: balance, heldMicros: held, availableMicros: balance - held - toBig(r[0].lapsed), expiringNext30DaysMicros: toBig(r[0].expiring) };
}
