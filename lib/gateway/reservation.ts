// A call's money, owned by one object. reserve() places the hold (one guarded statement that also
// clamps it to what the account, the key's credit limit and its daily cap allow); the Reservation
// then keeps the hold and the concurrency slot alive while the call runs, and settle()/release()
// fix the call's outcome exactly once — the first call wins, later ones get the same booking.
//
// A served call is always billed: the booking (settlement + request row, one ledger operation)
// is retried with backoff until it succeeds, for as long as the database is unreachable, and the
// hold is kept alive meanwhile so the sweeper cannot release it. Only a process that dies first
// loses it; its hold then expires (HOLD_TTL_SECONDS) and the sweeper releases it, uncharged — the
// sweeper's `released` count is that number. A booking that finds its hold already released (the
// database was gone for longer than the hold's TTL and another instance swept it) is reported to
// the observer and logged as unbilled.
import { getDb } from "@/lib/db";
import { isTransientDbError } from "@/lib/db/errors";
import { extendHold, placeHoldReadingBalance, recordFinishedCall, releaseHold, type BookedCall, type FinishedCall } from "@/lib/ledger";
import type { HoldFailureCode } from "@/lib/ledger";
import { isAppError } from "@/lib/errors";
import { env } from "@/lib/env";
import { NO_CHARGE, type Charge } from "./billing";
import { boundOverage } from "./guard/overage";
import { Refusal } from "./core/refusal";
import type { GatewayObserver } from "./core/observer";
import { logInternal } from "./errors";
import { trackSettlement } from "./pending";
import { errFields, log } from "@/lib/log";

/** The request-log part of a finished call (the money part comes from its Charge). */
export type CallRecord = Omit<FinishedCall, "holdId" | "holdMicros" | "chargeMicros" | "byokFeeMicros" | "usageSource" | "inputTokens" | "outputTokens" | "touchKey">;

export interface ReserveInput {
  accountId: string;
  keyId: string;
  requestId: string;
  minMicros: bigint;
  maxMicros: bigint;
  ttlSeconds: number;
  /** The tier's daily spend cap, applied when the key has none of its own. */
  defaultDailyCapMicros: bigint | null;
  /** The call's concurrency slot: refreshed with the hold. */
  slot: { ttlMs: number; refresh(): void };
  observer: Required<GatewayObserver>;
  provider: string | null;
}

export type ReserveResult =
  | { ok: true; reservation: Reservation; balanceMicros: bigint | null }
  | { ok: false; code: HoldFailureCode; availableMicros: bigint };

export async function reserve(input: ReserveInput): Promise<ReserveResult> {
  let placed: Awaited<ReturnType<typeof placeHoldReadingBalance>>;
  try {
    placed = await placeHoldReadingBalance(await getDb(), {
      accountId: input.accountId,
      keyId: input.keyId,
      requestId: input.requestId,
      minMicros: input.minMicros,
      maxMicros: input.maxMicros,
      ttlSeconds: input.ttlSeconds,
      defaultDailyCapMicros: input.defaultDailyCapMicros,
    });
  } catch (e) {
    // The request id is the hold's idempotency key: a client that reuses one gets a 409 rather
    // than touching the other call's records.
    if (isAppError(e) && e.code === "CONFLICT") {
      throw new Refusal("CONFLICT", `The request id '${input.requestId}' was already used by another call. Send a new X-Request-Id, or none.`, { param: "X-Request-Id", cause: e });
    }
    throw e;
  }
  const { result, balanceMicros } = placed;
  if (!result.ok) return result;
  return { ok: true, reservation: new Reservation(result.holdId, result.amountMicros, input), balanceMicros };
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

const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 5_000;
/** Errors that are not an outage (a bug, a constraint) are retried this often, then given up. */
const MAX_NON_TRANSIENT_ATTEMPTS = 8;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The per-call overage bound (guard/overage.ts): a charge beyond the hold is booked only up to
 * OVERAGE_MAX_MICROS more; the rest is written off (recorded on the request row, never charged).
 */
function boundedCharge(charge: Charge, holdMicros: bigint): { charge: Charge; overageMicros: bigint; unchargedMicros: bigint } {
  const b = boundOverage(charge.chargeMicros + charge.byokFeeMicros, holdMicros, env().OVERAGE_MAX_MICROS);
  if (b.unchargedMicros === 0n) return { charge, overageMicros: b.overageMicros, unchargedMicros: 0n };
  // A call is either charged (platform key) or pays a fee (BYOK), never both.
  const bounded = charge.chargeMicros > 0n ? { ...charge, chargeMicros: b.amountMicros, byokFeeMicros: 0n } : { ...charge, byokFeeMicros: b.amountMicros };
  return { charge: bounded, overageMicros: b.overageMicros, unchargedMicros: b.unchargedMicros };
}

export class Reservation {
  private booking: Promise<BookedCall> | null = null;
  private keeper: ReturnType<typeof setInterval> | null;

  constructor(
    readonly holdId: string,
    readonly amountMicros: bigint,
    private readonly input: ReserveInput,
  ) {
    // A call longer than the TTLs must not lose its hold half-way (the sweeper would release it
    // and the settlement would find nothing to charge) nor its slot: both expiries are pushed
    // forward every third of the shorter TTL until the booking is done.
    const everyMs = Math.max(1000, Math.floor(Math.min(input.ttlSeconds * 1000, input.slot.ttlMs) / 3));
    this.keeper = setInterval(() => this.keepAlive(), everyMs);
    this.keeper.unref();
  }

  /** The outcome is fixed (settle or release was called). */
  get closed(): boolean {
    return this.booking !== null;
  }

  /**
   * Fixes the call's outcome and books it; idempotent (the first outcome wins). Never rejects:
   * the booking is retried until it is done (see the file comment).
   */
  settle(record: CallRecord, charge: Charge, opts: { afterThisTurn?: boolean } = {}): Promise<BookedCall> {
    if (!this.booking) {
      const info = { requestId: record.requestId, route: record.endpoint, accountId: record.accountId, keyId: record.keyId, model: record.model ?? undefined };
      const run = () => this.input.observer.stage("settlement", info, () => this.book(record, charge));
      // afterThisTurn: the outcome is fixed now, the booking starts on the next turn of the event
      // loop — once the answer has been written, so its work never sits in front of the client.
      this.booking = opts.afterThisTurn ? new Promise<void>((r) => setImmediate(r)).then(run) : run();
      trackSettlement(record.accountId, this.booking);
    }
    return this.booking;
  }

  /**
   * Gives the hold back without a call to record (the request was refused by admission, which
   * ran at the same time as the hold). A failure leaves the hold to the sweeper (no charge).
   */
  discard(requestId: string): void {
    if (this.booking) return;
    this.booking = (async (): Promise<BookedCall> => {
      this.stop();
      for (let attempt = 0; ; attempt++) {
        try {
          const r = await releaseHold(await getDb(), this.holdId, undefined, this.input.accountId);
          return { status: r.status, chargedMicros: r.chargedMicros, balanceAfterMicros: r.balanceAfterMicros };
        } catch (e) {
          if (attempt >= 3 || !isTransientDbError(e)) {
            logInternal(requestId, e);
            return { status: "already_settled", chargedMicros: 0n, balanceAfterMicros: null };
          }
          await sleep(100 * (attempt + 1));
        }
      }
    })();
    trackSettlement(this.input.accountId, this.booking);
  }

  /** Closes the reservation with no charge (the call failed before anything was delivered). */
  release(record: CallRecord): Promise<BookedCall> {
    return this.settle(record, NO_CHARGE);
  }

  private keepAlive(): void {
    this.input.slot.refresh();
    getDb()
      .then((db) => extendHold(db, this.holdId, this.input.ttlSeconds))
      .then((extended) => {
        if (!extended) this.stop(); // settled or swept meanwhile
      })
      .catch((e: unknown) => logInternal(this.input.requestId, e)); // the next beat retries
  }

  private stop(): void {
    if (this.keeper) clearInterval(this.keeper);
    this.keeper = null;
  }

  private async book(record: CallRecord, unbounded: Charge): Promise<BookedCall> {
    const { charge, overageMicros, unchargedMicros } = boundedCharge(unbounded, this.amountMicros);
    const call: FinishedCall = { ...record, ...charge, overageMicros, unchargedMicros, holdId: this.holdId, holdMicros: this.amountMicros, touchKey: touchDue(record.keyId) };
    const total = charge.chargeMicros + charge.byokFeeMicros;
    let nonTransient = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        const booked = await recordFinishedCall(await getDb(), call);
        this.stop();
        if (booked.status === "already_settled" && total > 0n && booked.chargedMicros === 0n) {
          this.unbilled(call, total, "the hold had been released before the settlement could be booked");
        } else {
          if (attempt > 1) log("gateway").warn({ requestId: record.requestId, attempts: attempt }, "settlement booked after retries");
          this.input.observer.booked({
            requestId: record.requestId,
            accountId: record.accountId,
            model: record.model,
            provider: this.input.provider,
            statusCode: record.statusCode,
            errorCode: record.errorCode,
            holdMicros: this.amountMicros,
            chargedMicros: booked.chargedMicros,
            overageMicros: booked.chargedMicros > this.amountMicros ? booked.chargedMicros - this.amountMicros : 0n,
            usageSource: charge.usageSource,
            latencyMs: record.latencyMs,
            ttfbMs: record.ttfbMs,
            attempts: attempt,
          });
        }
        return booked;
      } catch (e) {
        if (!isTransientDbError(e) && ++nonTransient >= MAX_NON_TRANSIENT_ATTEMPTS) {
          this.stop();
          logInternal(record.requestId, e);
          this.unbilled(call, total, `settlement failed ${attempt} times: ${e instanceof Error ? e.message : String(e)}`);
          return { status: "already_settled", chargedMicros: 0n, balanceAfterMicros: null };
        }
        if (attempt === 1 || attempt % 10 === 0) {
          log("gateway").warn({ requestId: record.requestId, attempt, ...errFields(e) }, "settlement not booked yet; retrying");
          this.input.observer.internalError(record.requestId, e);
        }
        const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (attempt - 1));
        await sleep(Math.round(base * (0.5 + Math.random() / 2)));
      }
    }
  }

  private unbilled(call: FinishedCall, total: bigint, reason: string): void {
    log("gateway").error({ requestId: call.requestId, accountId: call.accountId, holdId: this.holdId, unbilledMicros: total.toString(), reason }, "UNBILLED call");
    this.input.observer.unbilled({ requestId: call.requestId, accountId: call.accountId, holdId: this.holdId, chargeMicros: total, reason });
  }
}
