// charge.dispute.created / charge.dispute.closed → the ledger's chargeback state machine
// (lib/ledger/chargeback.ts), plus the staff notice and the customer's notification in the SAME
// transaction, written only when the state actually changed (replays notify nobody twice).
import type { Db } from "@/lib/db";
import { closeChargeback, openChargeback, type ChargebackState } from "@/lib/ledger";
import { formatUsd } from "@/lib/money";
import { createNotification } from "@/lib/notifications";
import { notifyStaff } from "@/lib/staff/notifications";
import { centsToMicros, type Stripe } from "./stripe";

export interface ChargebackOutcome {
  ignored?: string;
  malformed?: boolean;
  state?: ChargebackState;
}

/** Stripe closes a dispute as won, lost, or (an inquiry) warning_closed: no money moved. */
const OUTCOME: Record<string, "won" | "lost"> = { won: "won", warning_closed: "won", lost: "lost" };

function parse(d: Record<string, unknown>): { disputeId: string; paymentIntentId: string | null; chargeId: string | null; amountMicros: bigint; reason: string | null; status: string } | null {
  if (d.object !== "dispute" || typeof d.id !== "string" || typeof d.amount !== "number" || !Number.isSafeInteger(d.amount) || d.amount < 0) return null;
  const pi = typeof d.payment_intent === "string" ? d.payment_intent : d.payment_intent && typeof (d.payment_intent as { id?: unknown }).id === "string" ? (d.payment_intent as { id: string }).id : null;
  const ch = typeof d.charge === "string" ? d.charge : null;
  return { disputeId: d.id.slice(0, 255), paymentIntentId: pi, chargeId: ch, amountMicros: centsToMicros(d.amount), reason: typeof d.reason === "string" ? d.reason.slice(0, 200) : null, status: typeof d.status === "string" ? d.status : "" };
}

export async function applyChargeDispute(db: Db, type: "charge.dispute.created" | "charge.dispute.closed", object: Stripe.Dispute | Record<string, unknown>): Promise<ChargebackOutcome> {
  const d = parse(object as Record<string, unknown>);
  if (!d) return { malformed: true };
  if (typeof (object as { currency?: unknown }).currency === "string" && (object as { currency: string }).currency !== "usd") return { ignored: "not a USD payment" };
  if (!d.paymentIntentId) return { ignored: "dispute names no payment intent" };
  const base = { disputeId: d.disputeId, paymentIntentId: d.paymentIntentId, chargeId: d.chargeId, amountMicros: d.amountMicros, reason: d.reason };
  const outcome = type === "charge.dispute.closed" ? OUTCOME[d.status] : undefined;
  if (type === "charge.dispute.closed" && !outcome) return { ignored: `dispute closed with status ${d.status || "(none)"}` };

  const state = await db.transaction(async (tx) => {
    const s = outcome ? await closeChargeback(tx, { ...base, outcome, stripeStatus: d.status }) : await openChargeback(tx, base);
    if (!s || !s.changed) return s;
    const amount = formatUsd(s.amountMicros);
    if (s.status === "open") {
      await notifyStaff(tx, {
        accountId: s.accountId,
        kind: "chargeback_opened",
        title: `Chargeback opened: ${amount} on ${s.accountId}`,
        body: `Stripe dispute ${s.disputeId} (${d.reason ?? "no reason given"}) on payment ${d.paymentIntentId}. ${formatUsd(s.frozenMicros)} of unspent credit frozen. Respond in the Stripe dashboard.`,
        dedupeKey: `chargeback:${s.disputeId}:open`,
      });
      await createNotification(tx, {
        accountId: s.accountId,
        kind: "chargeback",
        title: "A card payment was disputed",
        body: `Your bank disputed a top-up of ${amount}. ${formatUsd(s.frozenMicros)} of credit from that payment is frozen until the dispute is resolved.`,
        dedupeKey: `chargeback:${s.disputeId}:open`,
      });
    } else {
      const won = s.status === "won";
      await notifyStaff(tx, {
        accountId: s.accountId,
        kind: `chargeback_${s.status}`,
        title: `Chargeback ${s.status}: ${amount} on ${s.accountId}`,
        body: won ? `Dispute ${s.disputeId} closed (${d.status}); ${formatUsd(s.frozenMicros)} of frozen credit restored.` : `Dispute ${s.disputeId} lost; ${formatUsd(s.lostMicros)} of spent credit charged back (the balance may now be negative).`,
        dedupeKey: `chargeback:${s.disputeId}:closed`,
      });
      await createNotification(tx, {
        accountId: s.accountId,
        kind: "chargeback",
        title: won ? "Disputed payment: credit restored" : "Disputed payment: charged back",
        body: won
          ? `The dispute of your ${amount} top-up was closed; the frozen credit is available again.`
          : `The ${amount} top-up was charged back by your bank. Credit already spent from it (${formatUsd(s.lostMicros)}) is charged back; if your balance is negative, API calls are refused until a top-up covers it.`,
        dedupeKey: `chargeback:${s.disputeId}:closed`,
      });
    }
    return s;
  });
  return state ? { state } : { ignored: "payment bought no Tollgate credit" };
}
