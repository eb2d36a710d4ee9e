// Can this charge be disputed, and if not, why — for the "Dispute" buttons and the new-dispute page.
import { and, eq, inArray } from "drizzle-orm";
import { disputes } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { authorize, type ActorCtx } from "@/lib/accounts/authorize";
import { disputeDeadline, findCharge, type DisputableCharge } from "./charges";
import { DISPUTE_WINDOW_DAYS } from "./schemas";

export type Eligibility =
  | { eligible: true; charge: DisputableCharge; deadline: Date }
  | { eligible: false; reason: "no_charge"; charge: null }
  | { eligible: false; reason: "window_closed"; charge: DisputableCharge; deadline: Date }
  | { eligible: false; reason: "already_disputed"; charge: DisputableCharge; disputeId: string };

export async function disputeEligibility(db: DbOrTx, ctx: ActorCtx, ref: { ledgerEntryId?: string; requestId?: string }, now = new Date()): Promise<Eligibility> {
  await authorize(db, ctx, "disputes:read");
  const charge = await findCharge(db, ctx.accountId, ref);
  if (!charge) return { eligible: false, reason: "no_charge", charge: null };
  const [existing] = await db
    .select({ id: disputes.id })
    .from(disputes)
    .where(and(eq(disputes.accountId, ctx.accountId), eq(disputes.ledgerEntryId, charge.entryId), inArray(disputes.status, ["open", "under_review", "refunded"])))
    .limit(1);
  if (existing) return { eligible: false, reason: "already_disputed", charge, disputeId: existing.id };
  const deadline = disputeDeadline(charge.createdAt, DISPUTE_WINDOW_DAYS);
  if (now.getTime() > deadline.getTime()) return { eligible: false, reason: "window_closed", charge, deadline };
  return { eligible: true, charge, deadline };
}
