// A call's hold lives as long as the call. Holds carry an expiry so that the sweeper can free
// the credits of a crashed instance (HOLD_TTL_SECONDS, 30 min by default); a stream that runs
// longer than that must not lose its hold half-way — the sweeper would release it and the
// settlement that follows would find nothing to charge (a stream billed at $0). While a call is
// in flight its hold's expiry is pushed forward every third of the TTL; finishCall stops it.
import { getDb } from "@/lib/db";
import { extendHold } from "@/lib/ledger/holds";
import { logInternal } from "./errors";

type G = typeof globalThis & { __tollgateHoldKeepers?: Map<string, ReturnType<typeof setInterval>> };
const g = globalThis as G;
const keepers = () => (g.__tollgateHoldKeepers ??= new Map());

export function keepHoldAlive(holdId: string, ttlSeconds: number, requestId: string): void {
  const everyMs = Math.max(1000, Math.floor((ttlSeconds * 1000) / 3));
  const timer = setInterval(() => {
    getDb()
      .then((db) => extendHold(db, holdId, ttlSeconds))
      .then((extended) => {
        if (!extended) stopKeepingHoldAlive(holdId); // settled or swept meanwhile
      })
      .catch((e: unknown) => logInternal(requestId, e)); // the next beat retries
  }, everyMs);
  timer.unref();
  keepers().set(holdId, timer);
}

export function stopKeepingHoldAlive(holdId: string | null): void {
  if (!holdId) return;
  const timer = keepers().get(holdId);
  if (timer === undefined) return;
  clearInterval(timer);
  keepers().delete(holdId);
}
