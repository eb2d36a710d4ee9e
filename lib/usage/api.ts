// Bodies of the read-only account endpoints of the public API: /usage (per day, optionally per
// model or key), /credits/transactions (the ledger, newest first, paged stably) and the credit
// lots listed by /credits. Plain functions of the account id: the caller authenticates.
import { sql } from "drizzle-orm";
import { rows, type DbOrTx } from "@/lib/db";
import { invalidRequestFromZod } from "@/lib/errors";
import { getCredits, type LedgerEntryType } from "@/lib/ledger";
import { microsToUsdNumber } from "@/lib/money";
import { READ_ENDPOINTS } from "./request-log";
import { apiUsageQuerySchema, queryObject, transactionsQuerySchema } from "./schemas";
import { dayKeys, rangeStart } from "./series";

function parseQuery<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, params: URLSearchParams, names: readonly string[]): T {
  const r = schema.safeParse(queryObject(params, names));
  if (!r.success) throw invalidRequestFromZod(r.error.issues);
  return r.data;
}

interface Figures {
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cost_micros: bigint;
}

const zero = (): Figures => ({ requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cost_micros: BigInt(0) });
function add(a: Figures, b: Figures): void {
  a.requests += b.requests;
  a.errors += b.errors;
  a.input_tokens += b.input_tokens;
  a.output_tokens += b.output_tokens;
  a.cost_micros += b.cost_micros;
}
const out = (f: Figures) => ({ ...f, cost_usd: microsToUsdNumber(f.cost_micros), cost_micros: f.cost_micros.toString() });

interface UsageRow {
  day: string;
  grp: string | null;
  requests: string | number;
  errors: string | number;
  input_tokens: string | number;
  output_tokens: string | number;
  cost_micros: string;
}

/** GET /usage?days=N[&group_by=model|key]: model calls per UTC day, each day with its breakdown. */
export async function usageBody(db: DbOrTx, accountId: string, params: URLSearchParams, now: Date = new Date()) {
  const { days, group_by } = parseQuery(apiUsageQuerySchema, params, ["days", "group_by"]);
  const start = rangeStart(days, now);
  const grp = group_by === "model" ? sql`model` : group_by === "key" ? sql`key_id` : sql`NULL::text`;
  const list = await rows<UsageRow>(
    db,
    sql`SELECT to_char((created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day, ${grp} AS grp,
               count(*) AS requests,
               count(*) FILTER (WHERE status_code >= 400) AS errors,
               coalesce(sum(input_tokens), 0) AS input_tokens,
               coalesce(sum(output_tokens), 0) AS output_tokens,
               coalesce(sum(cost_micros), 0)::text AS cost_micros
          FROM requests
         WHERE account_id = ${accountId} AND created_at >= ${start.toISOString()}::timestamptz
           AND endpoint NOT IN (${sql.join(READ_ENDPOINTS.map((e) => sql`${e}`), sql`, `)})
         GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  const keyNames = new Map<string, string>();
  if (group_by === "key") {
    const keys = await rows<{ id: string; name: string }>(db, sql`SELECT id, name FROM api_keys WHERE account_id = ${accountId}`);
    for (const k of keys) keyNames.set(k.id, k.name);
  }
  const byDay = new Map<string, UsageRow[]>();
  for (const r of list) byDay.set(r.day, [...(byDay.get(r.day) ?? []), r]);
  const totals = zero();
  const data = dayKeys(days, now).map((date) => {
    const day = zero();
    const breakdown = (byDay.get(date) ?? []).map((r) => {
      const f: Figures = { requests: Number(r.requests), errors: Number(r.errors), input_tokens: Number(r.input_tokens), output_tokens: Number(r.output_tokens), cost_micros: BigInt(r.cost_micros) };
      add(day, f);
      if (group_by === "model") return { model: r.grp, ...out(f) };
      return { key_id: r.grp, key_name: r.grp ? (keyNames.get(r.grp) ?? null) : null, ...out(f) };
    });
    add(totals, day);
    return { date, ...out(day), ...(group_by ? { breakdown } : {}) };
  });
  return { object: "usage", days, ...(group_by ? { group_by } : {}), data, totals: out(totals) };
}

interface EntryRow {
  id: string;
  created_at: Date | string;
  type: LedgerEntryType;
  amount_micros: string;
  balance_after_micros: string;
  request_id: string | null;
  description: string | null;
}

/**
 * GET /credits/transactions?limit=&offset=[&as_of=]: the account's ledger entries, newest first.
 * Every page names the snapshot it was read from (`as_of`, the newest entry's sequence number);
 * passing it back keeps later pages on that snapshot, so entries written meanwhile cannot shift
 * the offsets — no gaps, no duplicates. This holds because an account's entries are written
 * under its row lock, so their sequence numbers are assigned in commit order.
 */
export async function transactionsBody(db: DbOrTx, accountId: string, params: URLSearchParams) {
  const q = parseQuery(transactionsQuerySchema, params, ["limit", "offset", "as_of"]);
  let asOf = q.as_of;
  if (asOf === undefined) {
    const [top] = await rows<{ seq: string | null }>(db, sql`SELECT max(seq)::text AS seq FROM ledger_entries WHERE account_id = ${accountId}`);
    asOf = BigInt(top?.seq ?? 0);
  }
  const list = await rows<EntryRow>(
    db,
    sql`SELECT id, created_at, type::text AS type, amount_micros::text AS amount_micros,
               balance_after_micros::text AS balance_after_micros, request_id, description
          FROM ledger_entries
         WHERE account_id = ${accountId} AND seq <= ${asOf.toString()}::bigint
         ORDER BY seq DESC
         LIMIT ${q.limit + 1} OFFSET ${q.offset}`,
  );
  const hasMore = list.length > q.limit;
  const page = list.slice(0, q.limit);
  const asOfText = asOf.toString();
  return {
    object: "list",
    data: page.map((e) => ({
      id: e.id,
      object: "credit_transaction",
      created_at: (e.created_at instanceof Date ? e.created_at : new Date(e.created_at)).toISOString(),
      type: e.type,
      amount: microsToUsdNumber(BigInt(e.amount_micros)),
      amount_micros: e.amount_micros,
      balance_after: microsToUsdNumber(BigInt(e.balance_after_micros)),
      balance_after_micros: e.balance_after_micros,
      request_id: e.request_id,
      description: e.description,
    })),
    limit: q.limit,
    offset: q.offset,
    as_of: asOfText,
    has_more: hasMore,
    next: hasMore ? `/api/v1/credits/transactions?limit=${q.limit}&offset=${q.offset + q.limit}&as_of=${asOfText}` : null,
  };
}

/** Credit lots still holding funds, soonest expiry first (what a charge would draw on next). */
export async function liveLots(db: DbOrTx, accountId: string, now: Date = new Date()) {
  const list = await rows<{ id: string; kind: string; remaining_micros: string; expires_at: Date | string }>(
    db,
    sql`SELECT id, kind::text AS kind, remaining_micros::text AS remaining_micros, expires_at
          FROM credit_lots
         WHERE account_id = ${accountId} AND remaining_micros > 0 AND expired_at IS NULL AND expires_at > ${now.toISOString()}::timestamptz
         ORDER BY expires_at, created_at, id`,
  );
  return list.map((l) => ({
    id: l.id,
    kind: l.kind,
    remaining: microsToUsdNumber(BigInt(l.remaining_micros)),
    remaining_micros: l.remaining_micros,
    expires_at: (l.expires_at instanceof Date ? l.expires_at : new Date(l.expires_at)).toISOString(),
  }));
}

/** GET /credits: balance figures plus the lots still holding funds. */
export async function creditsBody(db: DbOrTx, accountId: string, now: Date = new Date()) {
  const [c, lots] = await Promise.all([getCredits(db, accountId, now), liveLots(db, accountId, now)]);
  return {
    body: {
      object: "credits",
      balance_usd: microsToUsdNumber(c.balanceMicros),
      held_usd: microsToUsdNumber(c.heldMicros),
      available_usd: microsToUsdNumber(c.availableMicros),
      expiring_next_30_days_usd: microsToUsdNumber(c.expiringNext30DaysMicros),
      // Exact decimal strings for callers that must not go through binary floats.
      balance_micros: c.balanceMicros.toString(),
      held_micros: c.heldMicros.toString(),
      available_micros: c.availableMicros.toString(),
      expiring_next_30_days_micros: c.expiringNext30DaysMicros.toString(),
      lots,
    },
    balanceMicros: c.balanceMicros,
  };
}
