// Admission (Redis) and the hold (PostgreSQL) do not depend on each other, so a model call runs
// them at the same time — unless its key was refused admission recently. A client hammering past
// its rate limit would otherwise make the database place and release a hold for every refused
// request: the limiter exists to keep exactly that load away. Per process, bounded.
const refusedAt = new Map<string, number>();
const WINDOW_MS = 60_000;
const MAX_KEYS = 10_000;

export function noteRefusedAdmission(keyId: string): void {
  if (refusedAt.size >= MAX_KEYS) refusedAt.clear();
  refusedAt.set(keyId, Date.now());
}

/** True when the hold should wait for admission (the key was refused within the last minute). */
export function admissionFirst(keyId: string): boolean {
  const at = refusedAt.get(keyId);
  if (at === undefined) return false;
  if (Date.now() - at > WINDOW_MS) {
    refusedAt.delete(keyId);
    return false;
  }
  return true;
}
