// Staff side of disputes: the queue, replies, review, and resolution. A refund is an
// `adjustment` ledger entry linked to the dispute (unique per dispute in the database), the
// status change, the customer's notification and the audit row, all in one transaction.
import { and, asc, desc, eq, gt, inArray, lt, or, type SQL } from "drizzle-orm";
import { accounts, disputeMessages, disputes, ledgerEntries } from "@/db/schema";
import type { DbOrTx, Tx } from "@/lib/db";
import { writeAudit } from "@/lib/audit";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { createNotification } from "@/lib/notifications";
import { formatUsd } from "@/lib/money";
import { adjustCredit } from "@/lib/ledger";
import { requireStaff } from "@/lib/accounts/authorize";
import { decodeCursor, encodeCursor } from "@/lib/accounts/cursor";
import { listColumns, loadDispute, normalizeStatus, toListRow, type DisputeDetail, type DisputeListRow } from "./customer";
import { FINAL_STATUSES, type DisputeStatus, type StaffResolveInput } from "./schemas";

export interface StaffCtx {
  userId: string;
}

export interface QueueRow extends DisputeListRow {
  accountId: string;
  accountName: string;
}

/** Disputes across all accounts; by default the ones waiting for staff, oldest first. */
export async function listDisputeQueue(
  db: DbOrTx,
  ctx: StaffCtx,
  filters: { status?: string; accountId?: string; cursor?: string; limit?: number } = {},
): Promise<{ rows: QueueRow[]; nextCursor: string | null }> {
  await requireStaff(db, ctx.userId);
  const limit = Math.min(Math.max(filters.limit ?? 50, 1), 200);
  const status = normalizeStatus(filters.status);
  const waiting = !status;
  const where: SQL[] = [status ? eq(disputes.status, status) : inArray(disputes.status, ["open", "under_review"])];
  if (filters.accountId) where.push(eq(disputes.accountId, filters.accountId));
  const cursor = decodeCursor(filters.cursor);
  if (cursor?.length === 2 && typeof cursor[0] === "string" && typeof cursor[1] === "string") {
    const at = new Date(cursor[0]);
    if (!Number.isNaN(at.getTime())) {
      // The waiting queue is oldest-first (fairness); history is newest-first.
      where.push(
        waiting
          ? or(gt(disputes.createdAt, at), and(eq(disputes.createdAt, at), gt(disputes.id, cursor[1])))!
          : or(lt(disputes.createdAt, at), and(eq(disputes.createdAt, at), lt(disputes.id, cursor[1])))!,
      );
    }
  }
  const order = waiting ? [asc(disputes.createdAt), asc(disputes.id)] : [desc(disputes.createdAt), desc(disputes.id)];
  const found = await db
    .select({
      ...listColumns,
      accountId: disputes.accountId,
      accountName: accounts.name,
    })
    .from(disputes)
    .innerJoin(accounts, eq(accounts.id, disputes.accountId))
    .leftJoin(ledgerEntries, eq(ledgerEntries.id, disputes.ledgerEntryId))
    .where(and(...where))
    .orderBy(...order)
    .limit(limit + 1);
  const page = found.slice(0, limit).map(({ accountId, accountName, ...r }) => ({ ...toListRow(r), accountId, accountName }));
  const last = page[page.length - 1];
  return { rows: page, nextCursor: found.length > limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null };
}

export async function getDisputeForStaff(db: DbOrTx, ctx: StaffCtx, disputeId: string): Promise<(DisputeDetail & { accountName: string }) | null> {
  await requireStaff(db, ctx.userId);
  const d = await loadDispute(db, disputeId);
  if (!d) return null;
  const [acct] = await db.select({ name: accounts.name }).from(accounts).where(eq(accounts.id, d.accountId)).limit(1);
  return { ...d, accountName: acct?.name ?? d.accountId };
}

async function lockDispute(tx: DbOrTx, disputeId: string) {
  const [d] = await tx
    .select({ id: disputes.id, accountId: disputes.accountId, status: disputes.status, amountMicros: disputes.amountMicros, refundMicros: disputes.refundMicros, ledgerEntryId: disputes.ledgerEntryId })
    .from(disputes)
    .where(eq(disputes.id, disputeId))
    .for("update")
    .limit(1);
  if (!d) throw new AppError("NOT_FOUND", "Dispute not found.");
  return d;
}

async function notify(tx: Tx | DbOrTx, accountId: string, disputeId: string, title: string, body: string, dedupe?: string) {
  await createNotification(tx, { accountId, kind: "dispute_update", title, body, dedupeKey: dedupe ?? null });
}

export async function staffReply(db: DbOrTx, ctx: StaffCtx, input: { disputeId: string; body: string }, now = new Date()): Promise<{ messageId: string; status: DisputeStatus }> {
  await requireStaff(db, ctx.userId);
  const messageId = newId("disputeMessage");
  return db.transaction(async (tx) => {
    const d = await lockDispute(tx, input.disputeId);
    if (FINAL_STATUSES.includes(d.status)) throw new AppError("CONFLICT", "This dispute is already resolved.");
    // A staff reply means someone is looking at it.
    const status: DisputeStatus = d.status === "open" ? "under_review" : d.status;
    await tx.insert(disputeMessages).values({ id: messageId, disputeId: d.id, authorId: ctx.userId, fromStaff: true, body: input.body, createdAt: now });
    await tx.update(disputes).set({ status, updatedAt: now }).where(eq(disputes.id, d.id));
    await notify(tx, d.accountId, d.id, "New reply on your dispute", `Support replied on dispute ${d.id}.`);
    await writeAudit(tx, { accountId: d.accountId, actorUserId: ctx.userId, actorKind: "staff", action: "dispute.staff_reply", targetType: "dispute", targetId: d.id, data: { messageId, from: d.status, to: status } });
    return { messageId, status };
  });
}

export async function startReview(db: DbOrTx, ctx: StaffCtx, disputeId: string, now = new Date()): Promise<{ status: DisputeStatus }> {
  await requireStaff(db, ctx.userId);
  return db.transaction(async (tx) => {
    const d = await lockDispute(tx, disputeId);
    if (d.status !== "open") return { status: d.status };
    await tx.update(disputes).set({ status: "under_review", updatedAt: now }).where(eq(disputes.id, d.id));
    await notify(tx, d.accountId, d.id, "Your dispute is under review", `Support is reviewing dispute ${d.id}.`, `dispute:${d.id}:under_review`);
    await writeAudit(tx, { accountId: d.accountId, actorUserId: ctx.userId, actorKind: "staff", action: "dispute.review", targetType: "dispute", targetId: d.id, data: { from: "open", to: "under_review" } });
    return { status: "under_review" as const };
  });
}

export interface ResolveResult {
  status: "refunded" | "rejected";
  /** False when the dispute was already resolved this way (a repeated click): nothing written. */
  changed: boolean;
  refundMicros: bigint | null;
  entryId: string | null;
}

export async function resolveDispute(db: DbOrTx, ctx: StaffCtx, input: StaffResolveInput, now = new Date()): Promise<ResolveResult> {
  await requireStaff(db, ctx.userId);
  return db.transaction(async (tx) => {
    // The row lock serialises concurrent resolutions of one dispute; the ledger's unique key
    // on dispute_id would stop a second refund even without it.
    const d = await lockDispute(tx, input.disputeId);
    const wanted = input.outcome === "refund" ? "refunded" : "rejected";
    if (d.status === wanted) {
      const [entry] = await tx
        .select({ id: ledgerEntries.id })
        .from(ledgerEntries)
        .where(and(eq(ledgerEntries.disputeId, d.id), eq(ledgerEntries.type, "adjustment")))
        .limit(1);
      return { status: wanted, changed: false, refundMicros: d.refundMicros, entryId: entry?.id ?? null };
    }
    if (FINAL_STATUSES.includes(d.status)) throw new AppError("CONFLICT", `This dispute was already ${d.status}.`);
    const note = input.note?.trim() || null;

    if (input.outcome === "reject") {
      await tx.update(disputes).set({ status: "rejected", resolvedBy: ctx.userId, resolutionNote: note, updatedAt: now }).where(eq(disputes.id, d.id));
      if (note) await tx.insert(disputeMessages).values({ id: newId("disputeMessage"), disputeId: d.id, authorId: ctx.userId, fromStaff: true, body: note, createdAt: now });
      await notify(tx, d.accountId, d.id, "Dispute rejected", `Dispute ${d.id} was rejected: ${note ?? ""}`.trim(), `dispute:${d.id}:rejected`);
      await writeAudit(tx, { accountId: d.accountId, actorUserId: ctx.userId, actorKind: "staff", action: "dispute.reject", targetType: "dispute", targetId: d.id, data: { from: d.status, note } });
      return { status: "rejected", changed: true, refundMicros: null, entryId: null };
    }

    const [charge] = d.ledgerEntryId
      ? await tx.select({ amountMicros: ledgerEntries.amountMicros }).from(ledgerEntries).where(eq(ledgerEntries.id, d.ledgerEntryId)).limit(1)
      : [];
    if (!charge) throw new AppError("CONFLICT", "The disputed charge could not be found.");
    const chargedMicros = -charge.amountMicros;
    const refundMicros = input.refundUsd ?? d.amountMicros ?? chargedMicros;
    if (refundMicros <= BigInt(0) || refundMicros > chargedMicros) {
      throw new AppError("INVALID_REQUEST", `The refund must be more than $0 and at most the charge, ${formatUsd(chargedMicros)}.`, { param: "refundUsd" });
    }
    const adjusted = await adjustCredit(tx, {
      accountId: d.accountId,
      amountMicros: refundMicros,
      disputeId: d.id,
      reason: `Dispute ${d.id} refund${note ? `: ${note}` : ""}`,
      actor: { kind: "staff", userId: ctx.userId },
      now,
    });
    await tx.update(disputes).set({ status: "refunded", refundMicros, resolvedBy: ctx.userId, resolutionNote: note, updatedAt: now }).where(eq(disputes.id, d.id));
    if (note) await tx.insert(disputeMessages).values({ id: newId("disputeMessage"), disputeId: d.id, authorId: ctx.userId, fromStaff: true, body: note, createdAt: now });
    await notify(tx, d.accountId, d.id, "Dispute refunded", `${formatUsd(refundMicros)} was credited back to your account for dispute ${d.id}.`, `dispute:${d.id}:refunded`);
    await writeAudit(tx, {
      accountId: d.accountId,
      actorUserId: ctx.userId,
      actorKind: "staff",
      action: "dispute.refund",
      targetType: "dispute",
      targetId: d.id,
      data: { from: d.status, refundMicros, chargedMicros, entryId: adjusted.entryId, note },
    });
    return { status: "refunded", changed: true, refundMicros, entryId: adjusted.entryId };
  });
}
