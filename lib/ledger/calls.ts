// The ledger's one operation for a finished API call: the hold's settlement (charge, BYOK fee,
// lot draws — or a release) and the call's request row, atomically. With a hold it is ONE
// statement: the row is an INSERT inside the settlement statement that takes the amount actually
// booked from the settlement, so the log and the ledger always agree and the row's foreign-key
// checks (KEY SHARE on the account and key rows) run inside the statement that already holds
// those rows FOR UPDATE. Taken by a separate transaction while holds and settlements hold the
// rows, those checks turn the row locks into MultiXacts, and PostgreSQL then deadlocks
// concurrent placeHold statements ("while locking updated version of tuple"). Without a hold
// (a refused request) the account row is locked first for the same reason.
// Calls that finish while another call of the same account is being booked queue behind it and
// are booked together in one statement (settle-batch.ts); an idle account's call goes at once.
import { sql } from "drizzle-orm";
import type { usageSourceEnum } from "@/db/schema";
import { type DbOrTx } from "@/lib/db";
import { preparedStatement, runPrepared, type PreparedPart } from "@/lib/db/prepared";
import { inTx, lockAccount, requireNonNegative } from "./entries";
import { requestRowInsert, requestRowValues } from "./request-row";
import { settleWith } from "./settle";
import { settleItem, settleThroughLane } from "./settle-batch";

export type UsageSource = (typeof usageSourceEnum.enumValues)[number];

/** Everything the request log keeps about a call (metadata only, never content). */
export interface FinishedCall {
  requestId: string;
  accountId: string;
  keyId: string;
  /** null for a call refused before any hold (bad request, unknown model, 402). */
  holdId: string | null;
  holdMicros: bigint;
  model: string | null;
  endpoint: string;
  method: string;
  /** Request path without the query string. */
  path: string;
  stream: boolean;
  statusCode: number;
  errorCode: string | null;
  latencyMs: number;
  ttfbMs: number | null;
  maxTokensClamped: number | null;
  byok: boolean;
  clientIpHash: string | null;
  /** The client's own request id (account-scoped, searchable), or null. */
  clientRequestId: string | null;
  createdAt: Date;
  /** What the call costs: the charge (credits) and the BYOK platform fee (both ≥ 0). */
  chargeMicros: bigint;
  byokFeeMicros: bigint;
  usageSource: UsageSource;
  inputTokens: number;
  outputTokens: number;
  /** Charged beyond the hold, and billed by the usage but written off beyond the overage bound. */
  overageMicros?: bigint;
  unchargedMicros?: bigint;
  /** Also stamp the key's last_used_at. */
  touchKey?: boolean;
}

export interface BookedCall {
  /** settled: booked now; already_settled: the hold had been closed before (nothing written). */
  status: "settled" | "already_settled" | "logged";
  /** What the hold was charged (charge + fee); for already_settled, what the first closing charged. */
  chargedMicros: bigint;
  balanceAfterMicros: bigint | null;
}

/** Inside the settlement statement: the amount comes from its `sc` CTE. */
function rowWithSettlement(c: FinishedCall): PreparedPart {
  return { key: "request-row", build: (p) => requestRowInsert(p, sql`sc.charged_micros`, sql`FROM sc`), values: requestRowValues(c) };
}

const rowWithoutHold = preparedStatement<string>((p) => requestRowInsert(p, sql`0`, sql``));
const touchKey = preparedStatement<"keyId">((p) => sql`UPDATE api_keys SET last_used_at = now() WHERE id = ${p.keyId}`);

/**
 * Books a finished call: settles its hold with the charge (exactly once — the hold's status is
 * the guard, so a retry after an unknown outcome books nothing twice) and writes its request row
 * (once — the request id is the key). Without a hold only the row is written, charged 0.
 */
export async function recordFinishedCall(db: DbOrTx, call: FinishedCall): Promise<BookedCall> {
  const holdId = call.holdId;
  if (holdId) {
    requireNonNegative("chargeMicros", call.chargeMicros);
    requireNonNegative("byokFeeMicros", call.byokFeeMicros);
    const description = (call.model ? `${call.endpoint} ${call.model}` : call.endpoint).slice(0, 500);
    const single = async (): Promise<BookedCall> => {
      const s = await settleWith(
        db,
        { holdId, chargeMicros: call.chargeMicros, byokFeeMicros: call.byokFeeMicros > 0n ? call.byokFeeMicros : undefined, description },
        { touchKey: call.touchKey, also: rowWithSettlement(call), accountId: call.accountId },
      );
      return { status: s.status, chargedMicros: s.chargedMicros, balanceAfterMicros: s.balanceAfterMicros };
    };
    const item = settleItem(call.accountId, holdId, call.chargeMicros, call.byokFeeMicros, description, !!call.touchKey, call);
    return settleThroughLane(db, item, single);
  }
  await inTx(db, async (tx) => {
    await lockAccount(tx, call.accountId);
    await runPrepared(tx, rowWithoutHold("", undefined), requestRowValues(call));
    if (call.touchKey) await runPrepared(tx, touchKey("", undefined), { keyId: call.keyId });
  });
  return { status: "logged", chargedMicros: 0n, balanceAfterMicros: null };
}
