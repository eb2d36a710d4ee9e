// Holds (pre-authorisation). placeHold is ONE guarded SQL statement: it locks the account row
// (then the key's), computes the largest affordable hold within [min, max] from the locked,
// latest values — account available, key lifetime limit, key daily cap — and applies it to the
// account, the key and a new hold row, or nothing at all. No read-then-write from Node, one
// round trip on the hot path.
import { sql } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import { rows, type DbOrTx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { isConnectionLoss } from "@/lib/db/errors";
import { preparedStatement, runPrepared } from "@/lib/db/prepared";
import { holdIsPending, isUniqueViolation, pgConstraint, requirePositive, toBig, toBigOrNull, tsParam } from "./entries";
import { finishHold } from "./settle";
import { placeThroughLane, type HoldItem, type HoldRow } from "./hold-batch";
import type { HoldFailureCode, PlaceHoldInput, PlaceHoldResult } from "./types";

export const DEFAULT_HOLD_TTL_SECONDS = 900;
const MAX_HOLD_TTL_SECONDS = 7 * 24 * 3600;


export async function placeHold(db: DbOrTx, input: PlaceHoldInput): Promise<PlaceHoldResult> {
  return (await placeHoldReadingBalance(db, input)).result;
}

/**
 * placeHold that also returns the account's balance (not net of holds) as read under the hold's
 * lock — the gateway reports balance-after-call from it without another query.
 */
export async function placeHoldReadingBalance(db: DbOrTx, input: PlaceHoldInput): Promise<{ result: PlaceHoldResult; balanceMicros: bigint | null }> {
  const { accountId, requestId } = input;
  const keyId = input.keyId ?? null;
  requirePositive("minMicros", input.minMicros);
  requirePositive("maxMicros", input.maxMicros);
  const ttl = input.ttlSeconds ?? DEFAULT_HOLD_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl <= 0 || ttl > MAX_HOLD_TTL_SECONDS) {
    throw new AppError("INVALID_REQUEST", "ttlSeconds must be a positive integer (≤ 7 days)", { param: "ttlSeconds" });
  }
  const max = input.maxMicros;
  // A max below the floor (tiny max_tokens) means "hold exactly max if affordable".
  const min = input.minMicros < max ? input.minMicros : max;
  const holdId = newId("hold");

  const item: HoldItem = { holdId, keyId, requestId, min, max, ttl, defaultCap: input.defaultDailyCapMicros ?? null };
  const single = (it: HoldItem) => placeOne(db, accountId, it, input.now);
  // With an explicit clock (tests, replays) the hold runs alone: a batch uses the database's.
  const row = input.now ? await single(item) : await placeThroughLane(db, accountId, item, single);
  if (!row) throw new AppError("NOT_FOUND", `account ${accountId} not found`);
  if (keyId && !row.key_id) throw new AppError("NOT_FOUND", `key ${keyId} not found on account ${accountId}`);
  const balanceMicros = row.bal == null ? null : toBig(row.bal);
  if (isPlaced(row)) return { result: { ok: true, holdId, amountMicros: toBig(row.amt) }, balanceMicros };
  return { result: { ok: false, ...classify(row, min) }, balanceMicros };
}

const isPlaced = (row: HoldRow) => row.placed === true || row.placed === "t" || Number(row.placed) > 0;

/** The single-hold statement for one item; undefined when the account does not exist. */
async function placeOne(db: DbOrTx, accountId: string, it: HoldItem, now: Date | undefined): Promise<HoldRow | undefined> {
  const values = {
    accountId,
    keyId: it.keyId,
    requestId: it.requestId,
    holdId: it.holdId,
    min: it.min.toString(),
    max: it.max.toString(),
    ttl: it.ttl,
    defaultCap: it.defaultCap === null ? null : it.defaultCap.toString(),
    now: now ? now.toISOString() : null,
  };
  const run = () => runPrepared<HoldRow>(db, holdStatement("", undefined), values, accountId);
  try {
    try {
      return (await run())[0];
    } catch (e) {
      // A connection lost mid-statement (failover, restart) leaves the outcome unknown: the hold
      // may have committed. Running the same statement again is safe — the hold id is unique —
      // and tells which it was: placed now, or already there.
      if (!isConnectionLoss(e) || db instanceof PgTransaction) throw e;
      return (await run())[0];
    }
  } catch (e) {
    if (isUniqueViolation(e) && pgConstraint(e) === "holds_pkey" && !(db instanceof PgTransaction)) {
      // Our own hold id is already there: an earlier attempt (or a batch whose outcome was
      // unknown) did commit it.
      const amount = await pendingHoldAmount(db, it.holdId);
      if (amount !== null) return { avail: "0", bal: null, rem: null, cap_left: null, amt: amount.toString(), key_id: it.keyId, placed: 1 };
    }
    if (isUniqueViolation(e) && pgConstraint(e) !== "holds_pkey") {
      throw new AppError("CONFLICT", `request id ${it.requestId} already has a hold`, { param: "requestId", cause: e });
    }
    throw e;
  }
}

async function pendingHoldAmount(db: DbOrTx, holdId: string): Promise<bigint | null> {
  const r = await rows<{ amount_micros: string }>(db, sql`SELECT amount_micros FROM holds WHERE id = ${holdId} AND ${holdIsPending("holds")}`);
  return r[0] ? toBig(r[0].amount_micros) : null;
}

function classify(row: HoldRow, min: bigint): { code: HoldFailureCode; availableMicros: bigint } {
  const pos = (v: bigint) => (v > 0n ? v : 0n);
  const avail = toBig(row.avail);
  if (avail < min) return { code: "INSUFFICIENT_CREDITS", availableMicros: pos(avail) };
  const rem = toBigOrNull(row.rem);
  if (rem !== null && rem < min) return { code: "KEY_CREDIT_LIMIT_REACHED", availableMicros: pos(rem) };
  return { code: "DAILY_SPEND_CAP_REACHED", availableMicros: pos(toBigOrNull(row.cap_left) ?? 0n) };
}

type HoldParam = "accountId" | "keyId" | "requestId" | "holdId" | "min" | "max" | "ttl" | "defaultCap" | "now";

const holdStatement = preparedStatement<HoldParam>((p) => {
  const max = sql`${p.max}::bigint`;
  // Why asynchronous commit: the account row lock is held until COMMIT returns, so with a
  // synchronous commit every hold on a hot account waits for the previous one's WAL fsync, and
  // the disk's flush latency, not the CPU, sets how fast one account can place holds. A hold
  // moves no money: losing the last few hundred ms of holds in a database crash equals releasing
  // them, and WAL is flushed in order, so any later synchronous commit (a top-up, a refund)
  // makes every earlier hold durable too.
  // Settlements make the same trade (see settle.ts); money coming in stays synchronous.
  // FOR UPDATE, not FOR NO KEY UPDATE: the weaker lock lets foreign-key checks (KEY SHARE) of
  // concurrent inserts join it as a MultiXact, and locking-then-updating the row in one
  // statement then deadlocks against queued waiters (observed under load). FOR UPDATE makes
  // everyone queue plainly.
  // Lock order account → key: the key CTE joins the account one, so its lock fires only once
  // the account lock is held (settle and sweep also lock the account first).
  return sql`
    WITH pn AS (
      SELECT COALESCE(${p.now}::timestamptz, now()) AS now, set_config('synchronous_commit', 'off', true) AS async_commit
    ),
    pd AS (
      SELECT now, (now AT TIME ZONE 'UTC')::date AS day FROM pn
    ),
    -- Credit in lots past their expiry is not available, even before the expiry job books it.
    a AS (
      SELECT id, balance_micros,
             balance_micros - held_micros
               - (SELECT COALESCE(SUM(l.remaining_micros), 0) FROM credit_lots l, pn
                  WHERE l.account_id = accounts.id AND l.remaining_micros > 0 AND l.expires_at <= pn.now) AS avail
      FROM accounts WHERE id = ${p.accountId} FOR UPDATE
    ),
    -- Daily cap (the key's own, else its tier's default): what the key settled on this UTC day
    -- plus everything it holds right now (holds from before midnight still count until they
    -- settle — conservative by design).
    k AS (
      SELECT ak.id, ak.credit_limit_micros - ak.spent_micros - ak.held_micros AS rem,
             COALESCE(ak.daily_spend_cap_micros, ${p.defaultCap}::bigint) - ak.held_micros
               - CASE WHEN ak.spend_day >= pd.day THEN ak.spend_day_micros ELSE 0 END AS cap_left
      FROM api_keys ak JOIN a ON ak.account_id = a.id CROSS JOIN pd
      WHERE ak.id = ${p.keyId}::text
      FOR UPDATE OF ak
    ),
    c AS (
      SELECT a.avail, a.balance_micros AS bal, k.id AS key_id, k.rem, k.cap_left,
             LEAST(${max}, a.avail, COALESCE(k.rem, ${max}), COALESCE(k.cap_left, ${max})) AS amt
      FROM a LEFT JOIN k ON true
    ),
    g AS (
      SELECT c.key_id, c.amt, pd.now FROM c, pd
      WHERE c.amt >= ${p.min}::bigint AND (${p.keyId}::text IS NULL OR c.key_id IS NOT NULL)
    ),
    a_upd AS (
      UPDATE accounts SET held_micros = accounts.held_micros + g.amt FROM g
      WHERE accounts.id = ${p.accountId}
      RETURNING accounts.id
    ),
    k_upd AS (
      UPDATE api_keys SET held_micros = api_keys.held_micros + g.amt FROM g
      WHERE api_keys.id = g.key_id
      RETURNING api_keys.id
    ),
    h AS (
      INSERT INTO holds (id, account_id, key_id, request_id, amount_micros, status, expires_at, created_at)
      SELECT ${p.holdId}, ${p.accountId}, g.key_id, ${p.requestId}, g.amt, 'pending',
             g.now + make_interval(secs => ${p.ttl}::int), g.now
      FROM g
      RETURNING id
    )
    SELECT c.avail, c.bal, c.rem, c.cap_left, c.amt, c.key_id,
           (SELECT COUNT(*) FROM h) AS placed
    FROM c`;
});

/**
 * Releases pending holds past their expires_at (left behind by a crashed instance). Safe with
 * any number of instances: each release is the idempotent settle statement (account lock first,
 * then the hold, guarded by status = 'pending'), so two sweepers reaching the same hold release
 * it once and the loser writes nothing. (Claiming holds with FOR UPDATE SKIP LOCKED would lock a
 * hold before its account — the reverse of settle's lock order — and could deadlock with it.)
 */
export async function sweepHolds(db: DbOrTx, now?: Date, limit = 10_000): Promise<number> {
  let released = 0;
  let examined = 0;
  while (examined < limit) {
    const due = await rows<{ id: string }>(
      db,
      sql`SELECT id FROM holds WHERE status = 'pending' AND expires_at <= COALESCE(${tsParam(now)}, now())
          ORDER BY expires_at LIMIT 200`,
    );
    if (due.length === 0) break;
    for (const { id } of due) {
      examined++;
      if (await finishHold(db, { holdId: id, chargeMicros: 0n, byokFeeMicros: 0n, now })) released++;
    }
  }
  return released;
}

/**
 * Pushes a pending hold's expiry to now + ttl (a call still running must not be swept). Touches
 * only the hold row, for one short statement, so it cannot join a lock cycle with settle or
 * sweep; a hold that is no longer pending is left alone. True when the hold was extended.
 */
export async function extendHold(db: DbOrTx, holdId: string, ttlSeconds: number): Promise<boolean> {
  const r = await rows<{ id: string }>(
    db,
    sql`UPDATE holds SET expires_at = now() + make_interval(secs => ${ttlSeconds}::int)
        WHERE id = ${holdId} AND ${holdIsPending("holds")} RETURNING id`,
  );
  return r.length > 0;
}
