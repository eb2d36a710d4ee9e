// API key authentication for /api/v1: format check (no I/O), then one indexed query returning the
// key, its account's concurrency limit and the credit figures the response headers need.
import { sql } from "drizzle-orm";
import { getDb, rows, type DbOrTx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { cacheGet, cacheSet, type CachedKey } from "./cache";
import { hashKey, hasKeyShape, isWellFormedKey } from "./format";

export type ApiKeyAuth = CachedKey;

interface Row {
  key_id: string;
  account_id: string;
  tier: string;
  custom_rpm: number | null;
  custom_rpd: number | null;
  custom_concurrency: number | null;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  grace_until: Date | string | null;
  concurrency_limit: number;
  balance_micros: string | bigint;
  held_micros: string | bigint;
  expiring_soon: boolean;
  account_status: string;
  account_status_reason: string | null;
}

const toDate = (v: Date | string | null): Date | null => (v === null ? null : v instanceof Date ? v : new Date(v));

export async function lookupKeyByHash(db: DbOrTx, hash: string): Promise<CachedKey | null> {
  const [row] = await rows<Row>(
    db,
    sql`SELECT k.id AS key_id, k.account_id, k.tier, k.custom_rpm, k.custom_rpd, k.custom_concurrency, k.expires_at, k.revoked_at, k.grace_until,
               a.concurrency_limit, a.balance_micros, a.held_micros,
               a.status AS account_status, a.status_reason AS account_status_reason,
               EXISTS (SELECT 1 FROM credit_lots l
                        WHERE l.account_id = a.id AND l.remaining_micros > 0 AND l.expired_at IS NULL
                          AND l.expires_at <= now() + interval '30 days') AS expiring_soon
          FROM api_keys k JOIN accounts a ON a.id = k.account_id
         WHERE k.key_hash = ${hash}`,
  );
  if (!row) return null;
  return {
    keyId: row.key_id,
    accountId: row.account_id,
    tier: row.tier,
    customRpm: row.custom_rpm === null ? null : Number(row.custom_rpm),
    customRpd: row.custom_rpd === null ? null : Number(row.custom_rpd),
    customConcurrency: row.custom_concurrency === null ? null : Number(row.custom_concurrency),
    expiresAt: toDate(row.expires_at),
    revokedAt: toDate(row.revoked_at),
    graceUntil: toDate(row.grace_until),
    concurrencyLimit: Number(row.concurrency_limit),
    balanceMicros: BigInt(row.balance_micros),
    heldMicros: BigInt(row.held_micros),
    creditsExpiringSoon: Boolean(row.expiring_soon),
    accountStatus: String(row.account_status),
    accountStatusReason: row.account_status_reason,
  };
}

/** Status rules, evaluated on every request (never cached as a decision). */
export function assertKeyUsable(key: CachedKey, now = new Date()): void {
  if (key.revokedAt && key.revokedAt <= now && !(key.graceUntil && now < key.graceUntil)) {
    throw new AppError("KEY_REVOKED", "This API key has been revoked.");
  }
  if (key.expiresAt && key.expiresAt <= now) {
    throw new AppError("KEY_EXPIRED", "This API key has expired.");
  }
  assertAccountOpen(key);
}

/**
 * A working key of a suspended (or terminated/closed) account is refused with 403: the key is
 * fine, the account may not call the API. The status comes with the cached lookup, so a change
 * applies everywhere within the key-cache bound (≤ 5 s), or at once where the cache is evicted.
 */
export function assertAccountOpen(key: Pick<CachedKey, "accountStatus" | "accountStatusReason">): void {
  if (key.accountStatus === "active") return;
  if (key.accountStatus === "suspended") {
    const why = key.accountStatusReason ? ` Reason: ${key.accountStatusReason}` : "";
    throw new AppError("ACCOUNT_SUSPENDED", `This account is suspended.${why} See the console or contact support.`);
  }
  throw new AppError("ACCOUNT_CLOSED", "This account is closed; its API access has ended.");
}

/**
 * Plaintext key → usable key context, or an AppError (401). `beforeLookup` runs right before the
 * database would be asked (a well-formed key not in the cache) and may throw to prevent it — the
 * failed-auth limiter (lib/ratelimit/auth-gate.ts).
 */
export async function authenticateApiKey(plaintext: string | null, now = new Date(), beforeLookup?: () => Promise<void>): Promise<ApiKeyAuth> {
  if (!plaintext) throw new AppError("INVALID_API_KEY", "Missing API key. Send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.");
  if (!hasKeyShape(plaintext)) throw new AppError("INVALID_API_KEY", "Invalid API key.");
  const hash = hashKey(plaintext);
  let entry = cacheGet(hash, now.getTime());
  if (!entry) {
    // The checksum (a second hash) only guards the lookup: a cached entry was checked on its way in.
    if (!isWellFormedKey(plaintext)) throw new AppError("INVALID_API_KEY", "Invalid API key.");
    if (beforeLookup) await beforeLookup();
    const value = await lookupKeyByHash(await getDb(), hash);
    cacheSet(hash, value, now.getTime());
    entry = { value, at: now.getTime() };
  }
  if (!entry.value) throw new AppError("INVALID_API_KEY", "Invalid API key.");
  assertKeyUsable(entry.value, now);
  return entry.value;
}

const one = (v: string | string[] | undefined): string | null => (v === undefined ? null : Array.isArray(v) ? (v[0] ?? null) : v);

/** The key from `Authorization: Bearer …` or `x-api-key` (header names in lower case). */
export function keyFromHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): string | null {
  const auth = one(headers.authorization);
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m) return m[1];
  }
  const x = one(headers["x-api-key"]);
  return x ? x.trim() : auth ? auth.trim() : null;
}
