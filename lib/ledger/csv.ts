// Ledger CSV formatting (SPEC §6): RFC 4180 (comma, CRLF, quotes doubled inside quoted cells),
// UTF-8, fixed header, exact amounts.
import { env } from "@/lib/env";
import { microsToUsdExact } from "@/lib/money";
import type { LedgerEntryType } from "./types";

/** Every paid top-up has a printable receipt page in the console. */
export function receiptUrl(entryId: string): string {
  return `${(env().APP_URL ?? "").replace(/\/$/, "")}/receipts/${entryId}`;
}

export const LEDGER_CSV_COLUMNS = [
  "entry_id",
  "created_at",
  "account_id",
  "account_name",
  "type",
  "amount_usd",
  "amount_micros",
  "balance_after_usd",
  "request_id",
  "lot_id",
  "stripe_reference",
  "description",
  "receipt_url",
] as const;

const NEEDS_QUOTES = /[",\r\n]/;
// Spreadsheet formula injection (OWASP "CSV injection"): a cell opening with one of these is
// evaluated as a formula by Excel/Sheets/LibreOffice. A leading ' makes it literal text.
const FORMULA_START = /^[=+\-@\t\r]/;

function quote(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A free-text cell (names, descriptions, ids): formula-escaped, then RFC 4180 quoted. */
export function textCell(value: string | null | undefined): string {
  if (value === null || value === undefined || value === "") return "";
  return quote(FORMULA_START.test(value) ? `'${value}` : value);
}

/**
 * A numeric cell we produce ourselves (e.g. "-1.500000"). Deliberately NOT formula-escaped:
 * a leading '-' here is a sign, and prefixing ' would turn every debit into text that finance
 * could no longer sum. Only digits, '-' and '.' can reach this function.
 */
export function numberCell(value: string): string {
  if (!/^-?\d+(\.\d+)?$/.test(value)) throw new RangeError(`not a number cell: ${value}`);
  return value;
}

export function csvLine(cells: string[]): string {
  return `${cells.join(",")}\r\n`;
}

export const LEDGER_CSV_HEADER = csvLine([...LEDGER_CSV_COLUMNS]);

export interface LedgerCsvRecord {
  entryId: string;
  /** ISO-8601 UTC, e.g. 2025-01-31T23:59:59.123Z */
  createdAt: string;
  accountId: string;
  accountName: string;
  type: LedgerEntryType;
  amountMicros: bigint;
  balanceAfterMicros: bigint;
  requestId: string | null;
  lotId: string | null;
  stripeReference: string | null;
  description: string | null;
}

export function ledgerCsvLine(r: LedgerCsvRecord): string {
  return csvLine([
    textCell(r.entryId),
    textCell(r.createdAt),
    textCell(r.accountId),
    textCell(r.accountName),
    textCell(r.type),
    numberCell(microsToUsdExact(r.amountMicros)),
    numberCell(r.amountMicros.toString()),
    numberCell(microsToUsdExact(r.balanceAfterMicros)),
    textCell(r.requestId),
    textCell(r.lotId),
    textCell(r.stripeReference),
    textCell(r.description),
    textCell(r.type === "topup" ? receiptUrl(r.entryId) : null),
  ]);
}
