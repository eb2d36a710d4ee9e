// In-process cache of key lookups. Entries live at most KEY_CACHE_TTL_MS (default 2 s; lib/env refuses
// more than 5 s) so a revoked key stops working within seconds on every instance even if a message is
// lost; mutations also evict locally and broadcast the key id over Redis pub/sub so tier changes
// and revocations apply on the very next request. Kept on globalThis so the Next bundle and code
// imported directly (CLI, tests, server actions) share one cache in a process.
import { env } from "@/lib/env";
import { getRedis } from "@/lib/redis";

export interface CachedKey {
  keyId: string;
  accountId: string;
  tier: string;
  customRpm: number | null;
  customRpd: number | null;
  customConcurrency: number | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  graceUntil: Date | null;
  concurrencyLimit: number;
  balanceMicros: bigint;
  heldMicros: bigint;
  creditsExpiringSoon: boolean;
  /** The account's lifetime status (lib/accounts/lifecycle.ts); only 'active' may call the API. */
  accountStatus: string;
  accountStatusReason: string | null;
}

interface Entry {
  value: CachedKey | null; // null = no such key (negative entry)
  at: number;
}

interface State {
  byHash: Map<string, Entry>;
  hashById: Map<string, string>;
  subscribed: boolean;
}

const CHANNEL = "tollgate:keys:invalidate";
const MAX_ENTRIES = 50_000;

type G = typeof globalThis & { __tollgateKeyCache?: State };
const g = globalThis as G;
function state(): State {
  g.__tollgateKeyCache ??= { byHash: new Map(), hashById: new Map(), subscribed: false };
  return g.__tollgateKeyCache;
}

export function cacheTtlMs(): number {
  return env().KEY_CACHE_TTL_MS;
}

export function cacheGet(hash: string, now = Date.now()): Entry | undefined {
  const entry = state().byHash.get(hash);
  if (!entry) return undefined;
  if (now - entry.at >= cacheTtlMs()) {
    state().byHash.delete(hash);
    return undefined;
  }
  return entry;
}

export function cacheSet(hash: string, value: CachedKey | null, at = Date.now()): void {
  const s = state();
  if (cacheTtlMs() === 0) return;
  if (s.byHash.size >= MAX_ENTRIES) {
    // Crude but bounded: entries are short-lived anyway.
    s.byHash.clear();
    s.hashById.clear();
  }
  s.byHash.set(hash, { value, at });
  if (value) s.hashById.set(value.keyId, hash);
  void ensureSubscribed();
}

export function evictLocal(keyId: string): void {
  const s = state();
  const hash = s.hashById.get(keyId);
  if (hash) s.byHash.delete(hash);
  s.hashById.delete(keyId);
}

/** Evicts locally and tells other instances (best effort; the TTL is the backstop). */
export async function invalidateKey(keyId: string): Promise<void> {
  evictLocal(keyId);
  if (!env().REDIS_URL) return; // in-memory store: single instance, local eviction is enough
  try {
    const { client } = await getRedis();
    await client.publish(CHANNEL, keyId);
  } catch {
    // Redis down: other instances converge within the cache TTL.
  }
}

async function ensureSubscribed(): Promise<void> {
  const s = state();
  if (s.subscribed || !env().REDIS_URL) return;
  s.subscribed = true;
  try {
    const { client, kind } = await getRedis();
    if (kind !== "redis") return;
    const sub = client.duplicate();
    sub.on("error", () => undefined);
    sub.on("message", (_channel: string, keyId: string) => evictLocal(keyId));
    await sub.subscribe(CHANNEL);
  } catch {
    s.subscribed = false;
  }
}
