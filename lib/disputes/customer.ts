// Customer side of disputes: open a ticket on a charge, talk in its thread, read its status.
import { and, asc, desc, eq, inArray, lt, or, type SQL } from "drizzle-orm";
import { disputeMessages, disputes, ledgerEntries, users } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { writeAudit } from "@/lib/audit";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { formatUsd } from "@/lib/money";
import { authorize, isUniqueViolation, type ActorCtx } from "@/lib/accounts/authorize";
import { decodeCursor, encodeCursor } from "@/lib/accounts/cursor";
import { disputeDeadline, findCharge } from "./charges";
import { DISPUTE_STATUSES, DISPUTE_WINDOW_DAYS, FINAL_STATUSES, type DisputeStatus, type OpenDisputeInput } from "./schemas";

export async function openDispute(db: DbOrTx, ctx: ActorCtx, input: OpenDisputeInput, now = new Date()): Promise<{ disputeId: string }> {
  await authorize(db, ctx, "disputes:write");
  const param = input.ledgerEntryId ? "ledgerEntryId" : "requestId";
  const charge = await findCharge(db, ctx.accountId, input);
  if (!charge) {
    throw new AppError("NOT_FOUND", input.ledgerEntryId ? "No charge with that id in this account." : "No charge for that request in this account (requests that failed are not charged).", { param });
  }
  const deadline = disputeDeadline(charge.createdAt, DISPUTE_WINDOW_DAYS);
  if (now.getTime() > deadline.getTime()) {
    throw new AppError(
      "INVALID_REQUEST",
      `Charges can be disputed within ${DISPUTE_WINDOW_DAYS} days. This charge was made on ${charge.createdAt.toISOString().slice(0, 10)}; the window closed on ${deadline.toISOString().slice(0, 10)}.`,
    );
  }
  if (input.amountUsd !== undefined && input.amountUsd > charge.chargedMicros) {
    throw new AppError("INVALID_REQUEST", `The amount can be at most the charge, ${formatUsd(charge.chargedMicros)}.`, { param: "amountUsd" });
  }
  const disputeId = newId("dispute");
  try {
    await db.transaction(async (tx) => {
      await tx.insert(disputes).values({
        id: disputeId,
        accountId: ctx.accountId,
        openedBy: ctx.userId,
        ledgerEntryId: charge.entryId,
        requestId: charge.requestId,
        reason: input.reason,
        amountMicros: input.amountUsd ?? null,
        status: "open",
        createdAt: now,
        updatedAt: now,
      });
      await writeAudit(tx, {
        accountId: ctx.accountId,
        actorUserId: ctx.userId,
        actorKind: "user",
        action: "dispute.open",
        targetType: "dispute",
        targetId: disputeId,
        data: { ledgerEntryId: charge.entryId, requestId: charge.requestId, amountMicros: input.amountUsd ?? null, chargedMicros: charge.chargedMicros },
      });
    });
  } catch (e) {
    if (isUniqueViolation(e, "disputes_active_entry_uq")) {
      const [existing] = await db
        .select({ id: disputes.id })
        .from(disputes)
        .where(and(eq(disputes.ledgerEntryId, charge.entryId), inArray(disputes.status, ["open", "under_review", "refunded"])))
        .limit(1);
      throw new AppError("CONFLICT", `This charge already has a dispute${existing ? ` (${existing.id})` : ""}.`);
    }
    throw e;
  }
  return { disputeId };
}

export async function addCustomerMessage(db: DbOrTx, ctx: ActorCtx, input: { disputeId: string; body: string }, now = new Date()): Promise<{ messageId: string }> {
  await authorize(db, ctx, "disputes:write");
  const messageId = newId("disputeMessage");
  await db.transaction(async (tx) => {
    const [d] = await tx
      .select({ id: disputes.id, status: disputes.status })
      .from(disputes)
      .where(and(eq(disputes.id, input.disputeId), eq(disputes.accountId, ctx.accountId)))
      .for("update")
      .limit(1);
    if (!d) throw new AppError("NOT_FOUND", "Dispute not found.");
    if (FINAL_STATUSES.includes(d.status)) throw new AppError("CONFLICT", "This dispute is closed; open a new one if something is still wrong.");
    await tx.insert(disputeMessages).values({ id: messageId, disputeId: d.id, authorId: ctx.userId, fromStaff: false, body: input.body, createdAt: now });
    await tx.update(disputes).set({ updatedAt: now }).where(eq(disputes.id, d.id));
    await writeAudit(tx, { accountId: ctx.accountId, actorUserId: ctx.userId, actorKind: "user", action: "dispute.message", targetType: "dispute", targetId: d.id, data: { messageId } });
  });
  return { messageId };
}

export interface DisputeListRow {
  id: string;
  status: DisputeStatus;
  reason: string;
  amountMicros: bigint | null;
  refundMicros: bigint | null;
  ledgerEntryId: string | null;
  requestId: string | null;
  chargedMicros: bigint | null;
  createdAt: Date;
  updatedAt: Date;
}

export const listColumns = {
  id: disputes.id,
  status: disputes.status,
  reason: disputes.reason,
  amountMicros: disputes.amountMicros,
  refundMicros: disputes.refundMicros,
  ledgerEntryId: disputes.ledgerEntryId,
  requestId: disputes.requestId,
  entryAmountMicros: ledgerEntries.amountMicros,
  createdAt: disputes.createdAt,
  updatedAt: disputes.updatedAt,
};

type RawListRow = Omit<DisputeListRow, "chargedMicros"> & { entryAmountMicros: bigint | null };
export function toListRow({ entryAmountMicros, ...r }: RawListRow): DisputeListRow {
  return { ...r, chargedMicros: entryAmountMicros === null ? null : -entryAmountMicros };
}

export function normalizeStatus(s: unknown): DisputeStatus | undefined {
  return typeof s === "string" && (DISPUTE_STATUSES as readonly string[]).includes(s) ? (s as DisputeStatus) : undefined;
}

export async function listDisputes(db: DbOrTx, ctx: ActorCtx, filters: { status?: string; cursor?: string; limit?: number } = {}): Promise<{ rows: DisputeListRow[]; nextCursor: string | null }> {
  await authorize(db, ctx, "disputes:read");
  const limit = Math.min(Math.max(filters.limit ?? 50, 1), 200);
  const where: SQL[] = [eq(disputes.accountId, ctx.accountId)];
  const status = normalizeStatus(filters.status);
  if (status) where.push(eq(disputes.status, status));
  const cursor = decodeCursor(filters.cursor);
  if (cursor?.length === 2 && typeof cursor[0] === "string" && typeof cursor[1] === "string") {
    const at = new Date(cursor[0]);
    if (!Number.isNaN(at.getTime())) where.push(or(lt(disputes.createdAt, at), and(eq(disputes.createdAt, at), lt(disputes.id, cursor[1])))!);
  }
  const found = await db
    .select(listColumns)
    .from(disputes)
    .leftJoin(ledgerEntries, eq(ledgerEntries.id, disputes.ledgerEntryId))
    .where(and(...where))
    .orderBy(desc(disputes.createdAt), desc(disputes.id))
    .limit(limit + 1);
  const page = found.slice(0, limit).map(toListRow);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: found.length > limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null };
}

export interface DisputeMessageView {
  id: string;
  fromStaff: boolean;
  authorEmail: string | null;
  body: string;
  createdAt: Date;
}

export interface DisputeDetail extends DisputeListRow {
  accountId: string;
  openedByEmail: string | null;
  resolutionNote: string | null;
  chargeCreatedAt: Date | null;
  messages: DisputeMessageView[];
}

/** A dispute with its thread. Internal: callers check access first. */
export async function loadDispute(db: DbOrTx, disputeId: string, accountId?: string): Promise<DisputeDetail | null> {
  const [row] = await db
    .select({ ...listColumns, accountId: disputes.accountId, openedByEmail: users.email, resolutionNote: disputes.resolutionNote, chargeCreatedAt: ledgerEntries.createdAt })
    .from(disputes)
    .leftJoin(ledgerEntries, eq(ledgerEntries.id, disputes.ledgerEntryId))
    .leftJoin(users, eq(users.id, disputes.openedBy))
    .where(accountId ? and(eq(disputes.id, disputeId), eq(disputes.accountId, accountId)) : eq(disputes.id, disputeId))
    .limit(1);
  if (!row) return null;
  const messages = await db
    .select({ id: disputeMessages.id, fromStaff: disputeMessages.fromStaff, authorEmail: users.email, body: disputeMessages.body, createdAt: disputeMessages.createdAt })
    .from(disputeMessages)
    .leftJoin(users, eq(users.id, disputeMessages.authorId))
    .where(eq(disputeMessages.disputeId, disputeId))
    .orderBy(asc(disputeMessages.createdAt), asc(disputeMessages.id));
  const { accountId: acct, openedByEmail, resolutionNote, chargeCreatedAt, ...rest } = row;
  return { ...toListRow(rest), accountId: acct, openedByEmail, resolutionNote, chargeCreatedAt, messages };
}

export async function getDispute(db: DbOrTx, ctx: ActorCtx, disputeId: string): Promise<DisputeDetail | null> {
  await authorize(db, ctx, "disputes:read");
  return loadDispute(db, disputeId, ctx.accountId);
}
