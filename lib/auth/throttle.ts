// Throttling for the credentials endpoint and sign-up, in the same store as the API's rate limits
// (Upstash REST, Redis, or the in-process stand-in; lib/ratelimit/store). Failed sign-ins count
// per email and per client address; past a threshold the key is locked, and each further failure
// after a lock doubles the next one. A locked attempt is refused before the password hash is
// computed, so the endpoint is neither a free oracle nor a free 19 MiB argon2 computation.
import { createHash } from "node:crypto";
import { Script } from "@/lib/ratelimit/adapter";
import { getLimitStore, redisPrefix } from "@/lib/ratelimit/store";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { errFields, log } from "@/lib/log";

export interface ThrottleRule {
  /** Failures counted over this window. */
  windowMs: number;
  /** The failure that reaches this count starts a lock. */
  threshold: number;
  /** First lock; doubled by each failure after it, up to maxLockMs. */
  baseLockMs: number;
  maxLockMs: number;
}

const MIN = 60_000;
export const SIGN_IN_RULES = {
  email: { windowMs: 15 * MIN, threshold: 10, baseLockMs: 5 * MIN, maxLockMs: 60 * MIN },
  // An office behind one NAT shares an address: looser than per email, still far below guessing speed.
  address: { windowMs: 15 * MIN, threshold: 30, baseLockMs: 5 * MIN, maxLockMs: 60 * MIN },
} satisfies Record<string, ThrottleRule>;

// KEYS: count, lock. ARGV: windowMs, threshold, baseLockMs, maxLockMs. Returns the lock (ms) set now, or 0.
const RECORD_FAILURE = new Script(`local n = redis.call("INCR", KEYS[1])
local window = tonumber(ARGV[1])
if redis.call("PTTL", KEYS[1]) < 0 then redis.call("PEXPIRE", KEYS[1], window) end
local threshold = tonumber(ARGV[2])
if n < threshold then return 0 end
local lock = math.floor(tonumber(ARGV[3]) * (2 ^ math.min(n - threshold, 30)))
local maxLock = tonumber(ARGV[4])
if lock > maxLock then lock = maxLock end
redis.call("SET", KEYS[2], "1", "PX", lock)
redis.call("PEXPIRE", KEYS[1], lock + window)
return lock`);

// KEYS: locks. Returns the longest remaining lock in ms (0 when none).
const LONGEST_LOCK = new Script(`local longest = 0
for _, key in ipairs(KEYS) do
  local ttl = redis.call("PTTL", key)
  if ttl > longest then longest = ttl end
end
return longest`);

// KEYS: counter. ARGV: windowMs, limit. Returns the wait in ms when over the limit, else 0.
const HIT = new Script(`local n = redis.call("INCR", KEYS[1])
if n == 1 then redis.call("PEXPIRE", KEYS[1], tonumber(ARGV[1])) end
if n > tonumber(ARGV[2]) then
  local ttl = redis.call("PTTL", KEYS[1])
  if ttl < 1 then ttl = 1 end
  return ttl
end
return 0`);

const CLEAR = new Script(`return redis.call("DEL", KEYS[1], KEYS[2])`);

// Emails and addresses are hashed into key names: no personal data sits in the store's keyspace.
function keyPart(value: string): string {
  return createHash("sha256").update(value).digest("base64url").slice(0, 22);
}

/** Store keys of one throttled subject (exported for tests that end a lock early). */
export function signInKeys(kind: "email" | "address", value: string) {
  const base = `${redisPrefix()}:auth:${kind}:${keyPart(value)}`;
  return { count: `${base}:fails`, lock: `${base}:lock` };
}

export function tooManyAttemptsMessage(waitMs: number): string {
  const minutes = Math.max(1, Math.ceil(waitMs / MIN));
  return `Too many attempts, try again in ${minutes} minute${minutes === 1 ? "" : "s"}`;
}

let lastWarn = 0;
/** Store trouble fails open like the API limiter (logged): availability of sign-in wins. */
async function guarded<T>(what: string, fallback: T, fn: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out")), 1000);
      }),
    ]);
  } catch (e) {
    if (Date.now() - lastWarn > 10_000) {
      lastWarn = Date.now();
      log("auth").warn(errFields(e), `sign-in throttle ${what} failed; allowing`);
    }
    return fallback;
  } finally {
    clearTimeout(timer);
  }
}

export interface AttemptSubject {
  email: string;
  address: string | null;
}

function subjectKeys(s: AttemptSubject) {
  return [signInKeys("email", s.email.trim().toLowerCase()), ...(s.address ? [signInKeys("address", s.address)] : [])];
}

/** Throws RATE_LIMITED with the user-facing message while the email or the address is locked. */
export async function assertSignInAllowed(s: AttemptSubject): Promise<void> {
  const waitMs = await guarded("check", 0, async () => {
    const store = await getLimitStore();
    return Number(await LONGEST_LOCK.run(store.redis, subjectKeys(s).map((k) => k.lock), []));
  });
  if (waitMs > 0) throw new AppError("RATE_LIMITED", tooManyAttemptsMessage(waitMs), { retryAfterSeconds: Math.ceil(waitMs / 1000) });
}

/** Counts a failure; returns the lock (ms) it started, 0 when none. */
export async function recordSignInFailure(s: AttemptSubject): Promise<number> {
  return guarded("record", 0, async () => {
    const store = await getLimitStore();
    const [emailKeys, addressKeys] = subjectKeys(s);
    const rule = (r: ThrottleRule) => [r.windowMs, r.threshold, r.baseLockMs, r.maxLockMs];
    const results = await Promise.all([
      RECORD_FAILURE.run(store.redis, [emailKeys.count, emailKeys.lock], rule(SIGN_IN_RULES.email)),
      ...(addressKeys ? [RECORD_FAILURE.run(store.redis, [addressKeys.count, addressKeys.lock], rule(SIGN_IN_RULES.address))] : []),
    ]);
    return Math.max(...results.map(Number));
  });
}

/** A successful sign-in forgets the email's failures (never the address's: one good account must not reset a spray). */
export async function recordSignInSuccess(email: string): Promise<void> {
  await guarded("reset", undefined, async () => {
    const store = await getLimitStore();
    const k = signInKeys("email", email.trim().toLowerCase());
    await CLEAR.run(store.redis, [k.count, k.lock], []);
  });
}

/** A fixed-window count per subject; throws RATE_LIMITED with the user-facing message when over. */
export async function hitLimit(name: string, subject: string, rule: { windowMs: number; limit: number }): Promise<void> {
  const waitMs = await guarded(`${name} check`, 0, async () => {
    const store = await getLimitStore();
    const key = `${redisPrefix()}:auth:${name}:${keyPart(subject)}`;
    return Number(await HIT.run(store.redis, [key], [rule.windowMs, rule.limit]));
  });
  if (waitMs > 0) throw new AppError("RATE_LIMITED", tooManyAttemptsMessage(waitMs), { retryAfterSeconds: Math.ceil(waitMs / 1000) });
}

/** Sign-ups per client address (SIGNUP_LIMIT_PER_HOUR). */
export function assertSignUpAllowed(address: string | null): Promise<void> {
  return hitLimit("signup", address ?? "unknown", { windowMs: 60 * MIN, limit: env().SIGNUP_LIMIT_PER_HOUR });
}
