// The end of every model call: settle the hold (exactly once — the ledger's guard) and write the
// request's metadata row in the same transaction, so the log and the ledger always agree. Never
// content: only model, sizes, money, timings and outcome.
import { sql, type Placeholder } from "drizzle-orm";
import { requests } from "@/db/schema";
import { getDb } from "@/lib/db";
import type { PreparedPart } from "@/lib/db/prepared";
import { settleWith } from "@/lib/ledger/settle";
import type { Charge } from "./billing";
import { logInternal } from "./errors";
import { stopKeepingHoldAlive } from "./hold-keepalive";

export interface CallLog {
  requestId: string;
  accountId: string;
  keyId: string;
  model: string | null;
  endpoint: string;
  stream: boolean;
  statusCode: number;
  errorCode: string | null;
  holdId: string | null;
  holdMicros: bigint;
  latencyMs: number;
  ttfbMs: number | null;
  maxTokensClamped: number | null;
  byok: boolean;
  clientIpHash: string | null;
  createdAt: Date;
}

export interface Finished {
  chargedMicros: bigint;
  balanceAfterMicros: bigint | null;
}

function row(log: CallLog, charge: Charge, chargedMicros: bigint) {
  return {
    id: log.requestId,
    accountId: log.accountId,
    keyId: log.keyId,
    model: log.model,
    endpoint: log.endpoint,
    stream: log.stream,
    statusCode: log.statusCode,
    inputTokens: charge.inputTokens,
    outputTokens: charge.outputTokens,
    costMicros: chargedMicros,
    holdMicros: log.holdMicros,
    holdId: log.holdId,
    usageSource: charge.usageSource,
    errorCode: log.errorCode,
    latencyMs: log.latencyMs,
    ttfbMs: log.ttfbMs,
    maxTokensClamped: log.maxTokensClamped,
    byok: log.byok,
    clientIpHash: log.clientIpHash,
    createdAt: log.createdAt,
    completedAt: new Date(),
  };
}

/**
 * The request row as an INSERT for settleWith's `also`: it runs inside the settle statement and
 * takes the amount actually booked from its `sc` CTE. Its text is compiled once (PreparedPart);
 * only the values change per call.
 */
const buildRequestRowInsert = (p: Record<string, Placeholder>) =>
  sql`INSERT INTO requests (id, account_id, key_id, model, endpoint, stream, status_code, input_tokens, output_tokens,
      cost_micros, hold_micros, hold_id, usage_source, error_code, latency_ms, ttfb_ms, max_tokens_clamped, byok,
      client_ip_hash, created_at, completed_at)
    SELECT ${p.r_id}::text, ${p.r_account}::text, ${p.r_key}::text, ${p.r_model}::text, ${p.r_endpoint}::text, ${p.r_stream}::boolean,
      ${p.r_status}::int, ${p.r_in}::int, ${p.r_out}::int, sc.charged_micros, ${p.r_hold_micros}::bigint,
      ${p.r_hold}::text, ${p.r_usage}::usage_source, ${p.r_error}::text, ${p.r_latency}::int, ${p.r_ttfb}::int,
      ${p.r_clamped}::int, ${p.r_byok}::boolean, ${p.r_ip}::text, ${p.r_created}::timestamptz, now()
    FROM sc
    ON CONFLICT (id) DO NOTHING
    RETURNING id`;

function requestRowInsert(log: CallLog, charge: Charge): PreparedPart {
  return {
    key: "request-row",
    build: buildRequestRowInsert,
    values: {
      r_id: log.requestId,
      r_account: log.accountId,
      r_key: log.keyId,
      r_model: log.model,
      r_endpoint: log.endpoint,
      r_stream: log.stream,
      r_status: log.statusCode,
      r_in: charge.inputTokens,
      r_out: charge.outputTokens,
      r_hold_micros: log.holdMicros.toString(),
      r_hold: log.holdId,
      r_usage: charge.usageSource,
      r_error: log.errorCode,
      r_latency: log.latencyMs,
      r_ttfb: log.ttfbMs,
      r_clamped: log.maxTokensClamped,
      r_byok: log.byok,
      r_ip: log.clientIpHash,
      r_created: log.createdAt.toISOString(),
    },
  };
}

// last_used_at is display metadata: written at most once a minute per key per instance.
type G = typeof globalThis & { __tollgateKeyTouched?: Map<string, number> };
const g = globalThis as G;
function touchDue(keyId: string): boolean {
  g.__tollgateKeyTouched ??= new Map();
  const now = Date.now();
  if (now - (g.__tollgateKeyTouched.get(keyId) ?? 0) < 60_000) return false;
  if (g.__tollgateKeyTouched.size > 100_000) g.__tollgateKeyTouched.clear();
  g.__tollgateKeyTouched.set(keyId, now);
  return true;
}

/**
 * Settles the hold and writes the request's metadata row (with the amount actually booked)
 * atomically. With a hold it is ONE statement (settleWith's `also`): the row's foreign-key checks
 * (KEY SHARE on the account and key rows) run at the end of the statement that already holds
 * those rows FOR UPDATE, so they never wait — taken by a separate transaction while holds and
 * settlements hold the rows, they turn the row locks into multixacts and PostgreSQL then
 * deadlocks concurrent placeHold statements ("while locking updated version of tuple"). Without
 * a hold the account is locked first for the same reason. Retried on database errors; if it
 * still fails the hold stays pending and the sweeper releases it (no charge), which is logged.
 */
export async function finishCall(log: CallLog, charge: Charge): Promise<Finished> {
  stopKeepingHoldAlive(log.holdId);
  const db = await getDb();
  const touch = touchDue(log.keyId);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      if (log.holdId) {
        // Hot path: hold settlement, request row and last_used_at in ONE statement (one round
        // trip, a prepared statement on node-postgres, its own implicit transaction).
        const s = await settleWith(
          db,
          {
            holdId: log.holdId,
            chargeMicros: charge.chargeMicros,
            byokFeeMicros: charge.byokFeeMicros > BigInt(0) ? charge.byokFeeMicros : undefined,
            description: log.model ? `${log.endpoint} ${log.model}` : log.endpoint,
          },
          { touchKey: touch, also: requestRowInsert(log, charge), accountId: log.accountId },
        );
        return { chargedMicros: s.chargedMicros, balanceAfterMicros: s.balanceAfterMicros };
      }
      return await db.transaction(async (tx) => {
        await tx.execute(sql`SELECT 1 FROM accounts WHERE id = ${log.accountId} FOR NO KEY UPDATE`);
        await tx.insert(requests).values(row(log, charge, BigInt(0))).onConflictDoNothing({ target: requests.id });
        if (touch) await tx.execute(sql`UPDATE api_keys SET last_used_at = now() WHERE id = ${log.keyId}`);
        return { chargedMicros: BigInt(0), balanceAfterMicros: null };
      });
    } catch (e) {
      lastError = e;
      await new Promise((r) => setTimeout(r, 50 * (attempt + 1) ** 2));
    }
  }
  logInternal(log.requestId, lastError);
  return { chargedMicros: BigInt(0), balanceAfterMicros: null };
}

/**
 * Calls that never placed a hold (bad request, unknown model, 402). Awaited before answering, so
 * a client that got its error can already find the request; a flood of bad requests is slowed
 * by the write instead of queueing unbounded background work.
 */
export async function recordWithoutHold(log: Omit<CallLog, "holdId" | "holdMicros">): Promise<void> {
  await finishCall({ ...log, holdId: null, holdMicros: BigInt(0) }, { chargeMicros: BigInt(0), byokFeeMicros: BigInt(0), usageSource: "none", inputTokens: 0, outputTokens: 0 }).catch(() => undefined);
}
