// Settlements still running after their response went out (non-streamed calls answer first and
// settle right after). Process-wide (globalThis: the route bundles and anything else loaded in
// the process share one registry), so this instance's own read endpoints — /credits, /usage,
// /requests/{id} — can wait for the account's in-flight settlements and a client always reads its
// own finished calls. Other instances see them once committed (a few ms later).
type Registry = Map<string, Set<Promise<unknown>>>;
type G = typeof globalThis & { __tollgatePendingSettlements?: Registry };
const g = globalThis as G;

function registry(): Registry {
  g.__tollgatePendingSettlements ??= new Map();
  return g.__tollgatePendingSettlements;
}

/** Registers a settlement that outlives its response; it is forgotten once it finishes. */
export function trackSettlement(accountId: string, p: Promise<unknown>): void {
  const reg = registry();
  let set = reg.get(accountId);
  if (!set) reg.set(accountId, (set = new Set()));
  set.add(p);
  const forget = () => {
    set.delete(p);
    if (set.size === 0 && reg.get(accountId) === set) reg.delete(accountId);
  };
  p.then(forget, forget);
}

/** Resolves once every settlement of the account in flight at the time of the call is done. */
export async function settlementsOf(accountId: string): Promise<void> {
  const set = registry().get(accountId);
  if (!set || set.size === 0) return;
  await Promise.allSettled([...set]);
}

/** Every settlement in flight in this process (tests, graceful shutdown). */
export async function allSettlements(): Promise<void> {
  const all = [...registry().values()].flatMap((s) => [...s]);
  if (all.length > 0) await Promise.allSettled(all);
}
