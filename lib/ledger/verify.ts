// The ledger's invariants, checked set-wise in SQL (one query per rule), for one account or all.
// Used after every money test and by `npm run tollgate -- ledger:verify`.
import { sql, type SQL } from "drizzle-orm";
import { rows, type DbOrTx } from "@/lib/db";
import type { VerifyResult, Violation } from "./types";

interface Rule {
  rule: string;
  /** Rows of (account_id, detail); `f(col)` filters to the requested account. */
  query: (f: (col: SQL) => SQL) => SQL;
}

const RULES: Rule[] = [
  {
    rule: "balance_equals_entries",
    query: (f) => sql`
      SELECT a.id AS account_id, 'balance ' || a.balance_micros || ' <> sum of entries ' || s.total AS detail
      FROM accounts a
      CROSS JOIN LATERAL (SELECT COALESCE(SUM(e.amount_micros), 0) AS total FROM ledger_entries e WHERE e.account_id = a.id) s
      WHERE ${f(sql`a.id`)} AND a.balance_micros <> s.total`,
  },
  {
    rule: "balance_after_sequence",
    query: (f) => sql`
      SELECT account_id, 'entry ' || id || ' (seq ' || seq || ') balance_after ' || balance_after_micros || ' <> running ' || running AS detail
      FROM (SELECT account_id, id, seq, balance_after_micros,
                   SUM(amount_micros) OVER (PARTITION BY account_id ORDER BY seq) AS running
            FROM ledger_entries WHERE ${f(sql`account_id`)}) x
      WHERE balance_after_micros <> running`,
  },
  {
    rule: "lots_equal_positive_balance",
    query: (f) => sql`
      SELECT a.id AS account_id, 'sum of lot remainders ' || s.total || ' <> max(balance, 0) ' || GREATEST(a.balance_micros, 0) AS detail
      FROM accounts a
      CROSS JOIN LATERAL (SELECT COALESCE(SUM(l.remaining_micros), 0) AS total FROM credit_lots l WHERE l.account_id = a.id) s
      WHERE ${f(sql`a.id`)} AND s.total <> GREATEST(a.balance_micros, 0)`,
  },
  {
    rule: "account_held_equals_pending_holds",
    query: (f) => sql`
      SELECT a.id AS account_id, 'held ' || a.held_micros || ' <> pending holds ' || s.total AS detail
      FROM accounts a
      CROSS JOIN LATERAL (SELECT COALESCE(SUM(h.amount_micros), 0) AS total FROM holds h
                          WHERE h.account_id = a.id AND h.status = 'pending') s
      WHERE ${f(sql`a.id`)} AND a.held_micros <> s.total`,
  },
  {
    rule: "key_held_and_spent",
    query: (f) => sql`
      SELECT k.account_id, 'key ' || k.id || ' held ' || k.held_micros || '/spent ' || k.spent_micros
             || ' <> pending ' || s.held || '/charged ' || s.spent AS detail
      FROM api_keys k
      CROSS JOIN LATERAL (
        SELECT COALESCE(SUM(h.amount_micros) FILTER (WHERE h.status = 'pending'), 0) AS held,
               COALESCE(SUM(h.charged_micros) FILTER (WHERE h.status <> 'pending'), 0) AS spent
        FROM holds h WHERE h.key_id = k.id) s
      WHERE ${f(sql`k.account_id`)} AND (k.held_micros <> s.held OR k.spent_micros <> s.spent)`,
  },
  {
    rule: "key_daily_spend",
    query: (f) => sql`
      SELECT k.account_id, 'key ' || k.id || ' spend on ' || COALESCE(k.spend_day::text, 'no day') || ' is ' || k.spend_day_micros
             || ' <> settled that day ' || s.total AS detail
      FROM api_keys k
      CROSS JOIN LATERAL (
        SELECT COALESCE(SUM(h.charged_micros), 0) AS total FROM holds h
        WHERE h.key_id = k.id AND h.status <> 'pending' AND (h.settled_at AT TIME ZONE 'UTC')::date = k.spend_day) s
      WHERE ${f(sql`k.account_id`)} AND k.spend_day_micros <> s.total`,
  },
  {
    rule: "hold_settled_once",
    query: (f) => sql`
      SELECT h.account_id, 'hold ' || h.id || ' (' || h.status || ', charged ' || COALESCE(h.charged_micros::text, 'null')
             || ') has ' || s.n || ' charge entries totalling ' || s.total AS detail
      FROM holds h
      CROSS JOIN LATERAL (
        SELECT COUNT(*) FILTER (WHERE e.type = 'charge') AS charges, COUNT(*) AS n,
               COALESCE(-SUM(e.amount_micros), 0) AS total
        FROM ledger_entries e WHERE e.hold_id = h.id AND e.type IN ('charge', 'byok_fee')) s
      WHERE ${f(sql`h.account_id`)}
        AND (s.charges > 1 OR s.n > 2
             OR (h.status = 'pending' AND (s.n > 0 OR h.charged_micros IS NOT NULL))
             OR (h.status = 'released' AND (s.n > 0 OR h.charged_micros <> 0))
             OR (h.status = 'settled' AND (h.charged_micros IS NULL OR s.total <> h.charged_micros)))`,
  },
  {
    rule: "lot_allocations_add_up",
    query: (f) => sql`
      SELECT l.account_id, 'lot ' || l.id || ' original ' || l.original_micros || ' - remaining ' || l.remaining_micros
             || ' <> allocated ' || s.total AS detail
      FROM credit_lots l
      CROSS JOIN LATERAL (SELECT COALESCE(SUM(la.amount_micros), 0) AS total FROM lot_allocations la WHERE la.lot_id = l.id) s
      WHERE ${f(sql`l.account_id`)} AND l.original_micros - l.remaining_micros <> s.total`,
  },
  {
    rule: "entry_allocations_bounded",
    query: (f) => sql`
      SELECT COALESCE(e.account_id, l.account_id) AS account_id,
             'allocation of lot ' || la.lot_id || ' to entry ' || la.entry_id
             || CASE WHEN e.id IS NULL THEN ' whose entry does not exist'
                     WHEN e.account_id <> l.account_id THEN ' crosses accounts'
                     ELSE ' exceeds the entry amount ' || e.amount_micros END AS detail
      FROM lot_allocations la
      JOIN credit_lots l ON l.id = la.lot_id
      LEFT JOIN ledger_entries e ON e.id = la.entry_id
      LEFT JOIN LATERAL (SELECT SUM(x.amount_micros) AS total FROM lot_allocations x WHERE x.entry_id = la.entry_id) s ON true
      WHERE ${f(sql`l.account_id`)}
        AND (e.id IS NULL OR e.account_id <> l.account_id OR s.total > ABS(e.amount_micros))`,
  },
  {
    rule: "credit_entry_has_lot",
    query: (f) => sql`
      SELECT e.account_id, 'entry ' || e.id || ' (' || e.type || ' ' || e.amount_micros || ') '
             || CASE WHEN l.id IS NULL THEN 'has no lot' ELSE 'lot ' || l.id || ' original ' || l.original_micros END AS detail
      FROM ledger_entries e LEFT JOIN credit_lots l ON l.id = e.lot_id AND l.account_id = e.account_id
      WHERE ${f(sql`e.account_id`)} AND e.amount_micros > 0
        AND (l.id IS NULL OR l.original_micros <> e.amount_micros)`,
  },
  {
    rule: "expired_lot_is_empty",
    query: (f) => sql`
      SELECT account_id, 'lot ' || id || ' marked expired with ' || remaining_micros || ' remaining' AS detail
      FROM credit_lots WHERE ${f(sql`account_id`)} AND expired_at IS NOT NULL AND remaining_micros <> 0`,
  },
];

export const LEDGER_RULES = RULES.map((r) => r.rule);

export async function verifyLedger(db: DbOrTx, accountId?: string): Promise<VerifyResult> {
  const f = (col: SQL) => (accountId ? sql`${col} = ${accountId}` : sql`true`);
  const violations: Violation[] = [];
  for (const r of RULES) {
    const found = await rows<{ account_id: string; detail: string }>(db, r.query(f));
    for (const v of found) violations.push({ accountId: v.account_id, rule: r.rule, detail: v.detail });
  }
  return { ok: violations.length === 0, violations };
}
