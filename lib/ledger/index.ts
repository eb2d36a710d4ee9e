// The ledger: the only code that writes holds, credit lots, ledger entries and lot allocations.
// Everyone else calls these functions. All amounts are bigint micro-USD; every function takes a
// Db or a Tx first.
export { placeHold, placeHoldReadingBalance, sweepHolds, extendHold, DEFAULT_HOLD_TTL_SECONDS } from "./holds";
export { settle, releaseHold } from "./settle";
export { recordFinishedCall, type FinishedCall, type BookedCall, type UsageSource } from "./calls";
export { creditAccount, adjustCredit, getCredits } from "./credit";
export { refundPurchase } from "./refund";
export { expireCredits } from "./expiry";
export { verifyLedger, LEDGER_RULES } from "./verify";
export { LOT_TTL_DAYS } from "./lots";
export type * from "./types";
export { LEDGER_ENTRY_TYPES, isLedgerEntryType } from "./types";
export { openChargeback, closeChargeback, type ChargebackInput, type ChargebackOutcome, type ChargebackState } from "./chargeback";
