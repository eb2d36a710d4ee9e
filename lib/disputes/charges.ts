// Finding the charge a dispute is about, scoped to the disputing account.
import { and, asc, eq, inArray } from "drizzle-orm";
import { ledgerEntries } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import type { LedgerEntryType } from "@/lib/ledger/types";

/** Entry types a customer may dispute: what a call cost them. */
export const DISPUTABLE_TYPES = ["charge", "byok_fee"] as const satisfies readonly LedgerEntryType[];
export type DisputableType = (typeof DISPUTABLE_TYPES)[number];

export function isDisputableType(t: LedgerEntryType): t is DisputableType {
  return (DISPUTABLE_TYPES as readonly LedgerEntryType[]).includes(t);
}

export interface DisputableCharge {
  entryId: string;
  type: DisputableType;
  requestId: string | null;
  /** Positive: what the account paid. */
  chargedMicros: bigint;
  createdAt: Date;
  description: string | null;
}

/**
 * The charge entry for a ledger entry id or a request id, only within `accountId` (another
 * account's ids are simply not found). A request's main `charge` entry is preferred over its
 * BYOK fee.
 */
export async function findCharge(db: DbOrTx, accountId: string, ref: { ledgerEntryId?: string; requestId?: string }): Promise<DisputableCharge | null> {
  const where = ref.ledgerEntryId ? eq(ledgerEntries.id, ref.ledgerEntryId) : eq(ledgerEntries.requestId, ref.requestId ?? "");
  const found = await db
    .select({
      entryId: ledgerEntries.id,
      type: ledgerEntries.type,
      requestId: ledgerEntries.requestId,
      amountMicros: ledgerEntries.amountMicros,
      createdAt: ledgerEntries.createdAt,
      description: ledgerEntries.description,
    })
    .from(ledgerEntries)
    .where(and(where, eq(ledgerEntries.accountId, accountId), inArray(ledgerEntries.type, [...DISPUTABLE_TYPES])))
    .orderBy(asc(ledgerEntries.seq));
  const pick = found.find((e) => e.type === "charge") ?? found[0];
  if (!pick || pick.amountMicros >= BigInt(0)) return null;
  return {
    entryId: pick.entryId,
    type: pick.type as DisputableType, // the query only finds disputable types
    requestId: pick.requestId,
    chargedMicros: -pick.amountMicros,
    createdAt: pick.createdAt,
    description: pick.description,
  };
}

export function disputeDeadline(chargeAt: Date, windowDays: number): Date {
  return new Date(chargeAt.getTime() + windowDays * 86_400_000);
}

/** Charges made at or after this instant can still be disputed. */
export function disputeWindowStart(windowDays: number, now = new Date()): Date {
  return new Date(now.getTime() - windowDays * 86_400_000);
}
