// Read side of the ledger for the console (the ledger engineer's lib/ledger writes it).
import { and, desc, eq, gte, inArray, lt, sql, type SQL } from "drizzle-orm";
import { disputes, ledgerEntries } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { isDisputableType } from "@/lib/disputes/charges";
import { isLedgerEntryType, type LedgerEntryType } from "@/lib/ledger/types";
import { authorize, type ActorCtx } from "./authorize";
import { decodeCursor, encodeCursor } from "./cursor";
import { dayRange } from "./filters";


export interface LedgerFilters {
  from?: string;
  to?: string;
  type?: string;
  cursor?: string;
  limit?: number;
}

export interface LedgerRow {
  id: string;
  seq: bigint;
  type: LedgerEntryType;
  amountMicros: bigint;
  balanceAfterMicros: bigint;
  requestId: string | null;
  lotId: string | null;
  disputeId: string | null;
  stripeReference: string | null;
  description: string | null;
  createdAt: Date;
  /** Id of a live or refunded dispute on this entry, if any. */
  openDisputeId: string | null;
}

export function normalizeLedgerType(type: unknown): LedgerEntryType | undefined {
  return isLedgerEntryType(type) ? type : undefined;
}

export async function listLedgerEntries(db: DbOrTx, ctx: ActorCtx, filters: LedgerFilters): Promise<{ rows: LedgerRow[]; nextCursor: string | null }> {
  await authorize(db, ctx, "ledger:read");
  const limit = Math.min(Math.max(filters.limit ?? 50, 1), 200);
  const where: SQL[] = [eq(ledgerEntries.accountId, ctx.accountId)];
  const range = dayRange(filters.from, filters.to);
  if (range.from) where.push(gte(ledgerEntries.createdAt, range.from));
  if (range.to) where.push(lt(ledgerEntries.createdAt, range.to));
  const type = normalizeLedgerType(filters.type);
  if (type) where.push(eq(ledgerEntries.type, type));
  const cursor = decodeCursor(filters.cursor);
  if (cursor && typeof cursor[0] === "string" && /^\d+$/.test(cursor[0])) where.push(lt(ledgerEntries.seq, BigInt(cursor[0])));

  const found = await db
    .select({
      id: ledgerEntries.id,
      seq: ledgerEntries.seq,
      type: ledgerEntries.type,
      amountMicros: ledgerEntries.amountMicros,
      balanceAfterMicros: ledgerEntries.balanceAfterMicros,
      requestId: ledgerEntries.requestId,
      lotId: ledgerEntries.lotId,
      disputeId: ledgerEntries.disputeId,
      stripeReference: ledgerEntries.stripeReference,
      description: ledgerEntries.description,
      createdAt: ledgerEntries.createdAt,
    })
    .from(ledgerEntries)
    .where(and(...where))
    .orderBy(desc(ledgerEntries.seq))
    .limit(limit + 1);
  const page = found.slice(0, limit);
  const ids = page.filter((r) => isDisputableType(r.type)).map((r) => r.id);
  const live = ids.length
    ? await db
        .select({ id: disputes.id, entryId: disputes.ledgerEntryId })
        .from(disputes)
        .where(and(inArray(disputes.ledgerEntryId, ids), sql`${disputes.status} <> 'rejected'`))
    : [];
  const byEntry = new Map(live.map((d) => [d.entryId, d.id]));
  return {
    rows: page.map((r) => ({ ...r, openDisputeId: byEntry.get(r.id) ?? null })),
    nextCursor: found.length > limit ? encodeCursor([page[page.length - 1].seq.toString()]) : null,
  };
}
