// Streamed ledger CSV export. Memory stays flat whatever the size: rows are read in keyset-paged
// batches (seq > last seen, ORDER BY seq LIMIT n) and handed to the consumer one batch at a time;
// the next batch is only queried when the consumer pulls (backpressure from the HTTP response or
// stdout). No long transaction is held, so the export never blocks writers (or, on the embedded
// database, every other query).
import { z } from "zod";
import { sql, type SQL } from "drizzle-orm";
import { rows, type DbOrTx } from "@/lib/db";
import { invalidRequestFromZod } from "@/lib/errors";
import { LEDGER_CSV_HEADER, ledgerCsvLine } from "./csv";
import { isLedgerEntryType, LEDGER_ENTRY_TYPES, type LedgerEntryType } from "./types";
import { errFields, log } from "@/lib/log";

export interface LedgerExportFilter {
  /** Omit for the all-accounts (staff) export. */
  accountId?: string;
  /** Inclusive lower bound on created_at. */
  from?: Date;
  /** Exclusive upper bound on created_at. */
  toExclusive?: Date;
  types?: LedgerEntryType[];
  batchSize?: number;
}

const DAY_MS = 86_400_000;
const dateOnly = /^\d{4}-\d{2}-\d{2}$/;

function parseDay(value: string, ctx: z.RefinementCtx): Date | undefined {
  const iso = dateOnly.test(value) ? `${value}T00:00:00.000Z` : value;
  const d = new Date(iso);
  const valid =
    /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2}))?$/.test(value) &&
    !Number.isNaN(d.getTime()) &&
    // Date rolls 2025-02-30 over to March; a calendar date must round-trip.
    (!dateOnly.test(value) || d.toISOString().slice(0, 10) === value);
  if (!valid) {
    ctx.addIssue({ code: "custom", message: "expected a date YYYY-MM-DD (UTC) or an ISO-8601 timestamp" });
    return undefined;
  }
  return d;
}

const optionalText = z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), z.string().trim().max(100).optional());

/** Query/CLI parameters: from/to are UTC dates (to is inclusive: the whole day), type is a comma list. */
export const ledgerExportParamsSchema = z
  .object({
    from: optionalText.transform((v, ctx) => (v === undefined ? undefined : parseDay(v, ctx))),
    to: optionalText.transform((v, ctx) => {
      if (v === undefined) return undefined;
      const d = parseDay(v, ctx);
      // A bare date means "through the end of that day".
      return d && dateOnly.test(v) ? new Date(d.getTime() + DAY_MS) : d;
    }),
    type: optionalText.transform((v, ctx) => {
      if (v === undefined) return undefined;
      const types = [...new Set(v.split(",").map((t) => t.trim()).filter(Boolean))];
      const bad = types.filter((t) => !isLedgerEntryType(t));
      if (bad.length || types.length === 0) {
        ctx.addIssue({ code: "custom", message: `unknown entry type ${bad.join(", ") || "(empty)"}; expected ${LEDGER_ENTRY_TYPES.join(", ")}` });
        return undefined;
      }
      return types as LedgerEntryType[];
    }),
    account: optionalText.pipe(z.string().regex(/^acct_[A-Za-z0-9]{1,64}$/, "not an account id").optional()),
  })
  .refine((p) => !p.from || !p.to || p.from < p.to, { message: "from must not be after to", path: ["from"] });

export interface ParsedExportParams {
  filter: Omit<LedgerExportFilter, "accountId">;
  account?: string;
}

export function parseLedgerExportParams(input: URLSearchParams | Record<string, string | undefined>): ParsedExportParams {
  const raw = input instanceof URLSearchParams ? Object.fromEntries(input.entries()) : input;
  const parsed = ledgerExportParamsSchema.safeParse({ from: raw.from, to: raw.to, type: raw.type, account: raw.account });
  if (!parsed.success) throw invalidRequestFromZod(parsed.error.issues);
  const { from, to, type, account } = parsed.data;
  return { filter: { from, toExclusive: to, types: type }, account };
}

interface RawRow {
  seq: string;
  id: string;
  created_at: string;
  account_id: string;
  account_name: string;
  type: LedgerEntryType;
  amount_micros: string;
  balance_after_micros: string;
  request_id: string | null;
  lot_id: string | null;
  stripe_reference: string | null;
  description: string | null;
}

const DEFAULT_BATCH = 2_000;

/** The CSV as an async sequence of chunks (header first, then one chunk per batch of rows). */
export async function* ledgerCsvChunks(db: DbOrTx, filter: LedgerExportFilter = {}): AsyncGenerator<string> {
  yield LEDGER_CSV_HEADER;
  const batch = Math.max(1, Math.min(filter.batchSize ?? DEFAULT_BATCH, 10_000));
  const conditions: SQL[] = [];
  if (filter.accountId) conditions.push(sql`le.account_id = ${filter.accountId}`);
  if (filter.from) conditions.push(sql`le.created_at >= ${filter.from.toISOString()}::timestamptz`);
  if (filter.toExclusive) conditions.push(sql`le.created_at < ${filter.toExclusive.toISOString()}::timestamptz`);
  if (filter.types?.length) conditions.push(sql`le.type::text IN (${sql.join(filter.types.map((t) => sql`${t}`), sql`, `)})`);
  // Freeze the end: rows appended while the download runs belong to the next export, so the
  // file is a consistent "as of" cut that reconciles with balance_after.
  const [{ max }] = await rows<{ max: string | null }>(db, sql`SELECT max(seq)::text AS max FROM ledger_entries`);
  if (max === null) return;
  conditions.push(sql`le.seq <= ${max}::bigint`);
  let after = "0";
  for (;;) {
    const page = await rows<RawRow>(
      db,
      sql`SELECT le.seq::text AS seq, le.id,
                 to_char(le.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
                 le.account_id, a.name AS account_name, le.type::text AS type,
                 le.amount_micros::text AS amount_micros, le.balance_after_micros::text AS balance_after_micros,
                 le.request_id, le.lot_id, le.stripe_reference, le.description
            FROM ledger_entries le JOIN accounts a ON a.id = le.account_id
           WHERE le.seq > ${after}::bigint AND ${sql.join(conditions, sql` AND `)}
           ORDER BY le.seq
           LIMIT ${batch}`,
    );
    if (page.length === 0) return;
    let chunk = "";
    for (const r of page) {
      chunk += ledgerCsvLine({
        entryId: r.id,
        createdAt: r.created_at,
        accountId: r.account_id,
        accountName: r.account_name,
        type: r.type,
        amountMicros: BigInt(r.amount_micros),
        balanceAfterMicros: BigInt(r.balance_after_micros),
        requestId: r.request_id,
        lotId: r.lot_id,
        stripeReference: r.stripe_reference,
        description: r.description,
      });
    }
    yield chunk;
    if (page.length < batch) return;
    after = page[page.length - 1].seq;
  }
}

/** A pull-driven byte stream for a Response body: a slow client slows the queries, never buffers. */
export function ledgerCsvStream(db: DbOrTx, filter: LedgerExportFilter = {}): ReadableStream<Uint8Array> {
  const chunks = ledgerCsvChunks(db, filter);
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        } catch (e) {
          log("ledger").error(errFields(e), "ledger export failed");
          controller.error(e);
        }
      },
      async cancel() {
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 1 },
  );
}

export function ledgerCsvFilename(scope: string, filter: LedgerExportFilter): string {
  const day = (d: Date) => d.toISOString().slice(0, 10);
  const parts = ["tollgate-ledger", scope];
  if (filter.from) parts.push(`from-${day(filter.from)}`);
  if (filter.toExclusive) parts.push(`to-${day(new Date(filter.toExclusive.getTime() - 1))}`);
  return `${parts.join("_").replace(/[^A-Za-z0-9_.-]/g, "")}.csv`;
}
