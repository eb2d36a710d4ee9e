// The end of every model call: settle the hold (exactly once — the ledger's guard) and write the
// request's metadata row in the same transaction, so the log and the ledger always agree. Never
// content: only model, sizes, money, timings and outcome.
import { sql } from "drizzle-orm";
import { requests } from "@/db/schema";
import { getDb } from "@/lib/db";
import { settle } from "@/lib/ledger";
import type { Charge } from "./billing";
import { logInternal } from "./errors";

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
 * Settles the hold and writes the request's metadata row (with the amount actually booked) in
 * ONE transaction, settle first. Order matters: the row's foreign keys take KEY SHARE locks on
 * the account and key rows; taken by a separate transaction while holds and settlements hold
 * those rows, they turn the row locks into multixacts and PostgreSQL then deadlocks concurrent
 * placeHold statements ("while locking updated version of tuple"). Inside the transaction that
 * already holds the rows (or, without a hold, after locking the account first) they never wait.
 * Retried on database errors; if it still fails the hold stays pending and the sweeper releases
 * it (no charge), which is logged.
 */
export async function finishCall(log: CallLog, charge: Charge): Promise<Finished> {
  const db = await getDb();
  const touch = touchDue(log.keyId);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await db.transaction(async (tx) => {
        let chargedMicros = BigInt(0);
        let balanceAfterMicros: bigint | null = null;
        if (log.holdId) {
          const s = await settle(tx, {
            holdId: log.holdId,
            chargeMicros: charge.chargeMicros,
            byokFeeMicros: charge.byokFeeMicros > BigInt(0) ? charge.byokFeeMicros : undefined,
            description: log.model ? `${log.endpoint} ${log.model}` : log.endpoint,
          });
          chargedMicros = s.chargedMicros;
          balanceAfterMicros = s.balanceAfterMicros;
        } else {
          await tx.execute(sql`SELECT 1 FROM accounts WHERE id = ${log.accountId} FOR NO KEY UPDATE`);
        }
        await tx.insert(requests).values(row(log, charge, chargedMicros)).onConflictDoNothing({ target: requests.id });
        if (touch) await tx.execute(sql`UPDATE api_keys SET last_used_at = now() WHERE id = ${log.keyId}`);
        return { chargedMicros, balanceAfterMicros };
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
