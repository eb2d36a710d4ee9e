// A call's hold and concurrency slot live as long as the call. Both carry an expiry so that a
// crashed instance's calls stop holding credits and slots soon (HOLD_TTL_SECONDS and
// CONCURRENCY_TTL_MS, 2 min by default; the sweeper frees the holds). A call that runs longer
// must not lose its hold half-way — the sweeper would release it and the settlement that
// follows would find nothing to charge (a stream billed at $0) — nor its slot. While a call is
// in flight both expiries are pushed forward every third of the shorter TTL; finishCall stops it.
import { getDb } from "@/lib/db";
import { extendHold } from "@/lib/ledger/holds";
import { logInternal } from "./errors";

type G = typeof globalThis & { __tollgateHoldKeepers?: Map<string, ReturnType<typeof setInterval>> };
const g = globalThis as G;
const keepers = () => (g.__tollgateHoldKeepers ??= new Map());

export function keepHoldAlive(holdId: string, ttlSeconds: number, requestId: string, slot: { ttlMs: number; refresh(): void }): void {
  const everyMs = Math.max(1000, Math.floor(Math.min(ttlSeconds * 1000, slot.ttlMs) / 3));
  const timer = setInterval(() => {
    slot.refresh();
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
