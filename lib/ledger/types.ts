// Public types of the ledger interface (see lib/ledger/index.ts).
import { entryTypeEnum, lotKindEnum } from "@/db/schema";
import type { ActorKind } from "@/lib/audit";

/**
 * Every ledger entry type. The database enum (ledger_entry_type) is the one list: a new type is
 * added there, and maps keyed by LedgerEntryType make the compiler point at every place that
 * must handle it.
 */
export const LEDGER_ENTRY_TYPES = entryTypeEnum.enumValues;
export type LedgerEntryType = (typeof LEDGER_ENTRY_TYPES)[number];

export function isLedgerEntryType(v: unknown): v is LedgerEntryType {
  return typeof v === "string" && (LEDGER_ENTRY_TYPES as readonly string[]).includes(v);
}

/** Kinds of credit lot, from the database enum (lot_kind). */
export type LotKind = (typeof lotKindEnum.enumValues)[number];

export type HoldFailureCode = "INSUFFICIENT_CREDITS" | "KEY_CREDIT_LIMIT_REACHED" | "DAILY_SPEND_CAP_REACHED";

export interface PlaceHoldInput {
  accountId: string;
  keyId?: string | null;
  requestId: string;
  /** Smallest hold worth placing (e.g. the cost of 16 output tokens plus the input estimate). */
  minMicros: bigint;
  /** The hold wanted (cost with the full max_tokens); the hold is clamped down to what is available. */
  maxMicros: bigint;
  ttlSeconds?: number;
  /** The key's daily spend cap when it has none of its own (its tier's default); omitted: no cap. */
  defaultDailyCapMicros?: bigint | null;
  now?: Date;
}

export type PlaceHoldResult =
  | { ok: true; holdId: string; amountMicros: bigint }
  | { ok: false; code: HoldFailureCode; availableMicros: bigint };

export interface SettleInput {
  holdId: string;
  chargeMicros: bigint;
  byokFeeMicros?: bigint;
  description?: string | null;
  now?: Date;
  /**
   * The hold's account, when the caller knows it: settlements of one busy account then share
   * statements (settle-batch.ts). A hold of another account is still settled correctly.
   */
  accountId?: string;
}

export interface SettleResult {
  status: "settled" | "already_settled";
  /** Charge + BYOK fee actually recorded for the hold (for already_settled: what the first call recorded). */
  chargedMicros: bigint;
  balanceAfterMicros: bigint;
}

export interface Actor {
  kind: ActorKind;
  userId?: string | null;
}

export interface CreditInput {
  accountId: string;
  kind: LotKind;
  amountMicros: bigint;
  expiresAt?: Date;
  stripeSessionId?: string | null;
  /** Grants and promos: a caller-chosen idempotency key — the same key never credits twice. */
  grantKey?: string | null;
  stripePaymentIntentId?: string | null;
  reason?: string | null;
  actor: Actor;
  now?: Date;
}

export interface CreditResult {
  created: boolean;
  lotId: string;
  entryId: string;
}

export interface RefundInput {
  stripeRefundId: string;
  stripePaymentIntentId?: string | null;
  stripeSessionId?: string | null;
  amountMicros: bigint;
  now?: Date;
}

export interface RefundResult {
  created: boolean;
  entryId?: string;
  /** Micros actually taken back from the purchase's lot (≤ requested; see refundPurchase). */
  amountMicros: bigint;
  /** Requested but not recoverable because that credit was already spent or expired. */
  unrecoveredMicros: bigint;
}

export interface AdjustInput {
  accountId: string;
  /** > 0 credits the account (a grant lot), < 0 debits it (FIFO over lots, never below zero). */
  amountMicros: bigint;
  disputeId?: string | null;
  reason: string;
  actor: Actor;
  now?: Date;
}

export interface AdjustResult {
  created: boolean;
  entryId: string;
  lotId: string | null;
}

export interface Credits {
  balanceMicros: bigint;
  heldMicros: bigint;
  availableMicros: bigint;
  expiringNext30DaysMicros: bigint;
}

export interface Violation {
  accountId: string;
  rule: string;
  detail: string;
}

export interface VerifyResult {
  ok: boolean;
  violations: Violation[];
}
