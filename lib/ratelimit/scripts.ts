// Our own admission scripts (the minute window is @upstash/ratelimit's). All keys of one script
// carry the account id as a hash tag, so they live in one Redis Cluster slot.
import { Script } from "./adapter";
import { redisPrefix } from "./store";

export function concurrencyKey(accountId: string): string {
  return `${redisPrefix()}:cc:{${accountId}}`;
}
export function keyConcurrencyKey(accountId: string, keyId: string): string {
  return `${redisPrefix()}:kcc:{${accountId}}:${keyId}`;
}
/** Requests of one key on one UTC day (YYYY-MM-DD). */
export function dayCounterKey(accountId: string, keyId: string, day: string): string {
  return `${redisPrefix()}:rd:{${accountId}}:${keyId}:${day}`;
}

// Day quota, per-key and per-account concurrency, all or nothing. Slot members are request ids
// scored by their own expiry, so a crashed instance's slots free themselves; each set's TTL
// covers the whole set. Returns {verdict, used today, key in flight, account in flight}:
// 0 admitted (and counted), 1 day quota spent, 2 key concurrency, 3 account concurrency.
export const ADMIT = new Script(`local now = tonumber(ARGV[1])
local dayLimit = tonumber(ARGV[2])
local keyLimit = tonumber(ARGV[3])
local acctLimit = tonumber(ARGV[4])
local ttl = tonumber(ARGV[5])
local used = tonumber(redis.call("GET", KEYS[1]) or "0")
redis.call("ZREMRANGEBYSCORE", KEYS[2], "-inf", now)
redis.call("ZREMRANGEBYSCORE", KEYS[3], "-inf", now)
local kn = redis.call("ZCARD", KEYS[2])
local an = redis.call("ZCARD", KEYS[3])
if used >= dayLimit then return {1, used, kn, an} end
if kn >= keyLimit then return {2, used, kn, an} end
if an >= acctLimit then return {3, used, kn, an} end
used = redis.call("INCR", KEYS[1])
if used == 1 then redis.call("EXPIRE", KEYS[1], tonumber(ARGV[7])) end
redis.call("ZADD", KEYS[2], now + ttl, ARGV[6])
redis.call("PEXPIRE", KEYS[2], ttl)
redis.call("ZADD", KEYS[3], now + ttl, ARGV[6])
redis.call("PEXPIRE", KEYS[3], ttl)
return {0, used, kn + 1, an + 1}`);

// A request admitted here but refused by the minute window was not served: give it back.
export const UNDO = new Script(`if redis.call("ZREM", KEYS[3], ARGV[1]) == 1 then
  local left = redis.call("DECR", KEYS[1])
  if left < 0 then redis.call("SET", KEYS[1], 0, "KEEPTTL") end
end
redis.call("ZREM", KEYS[2], ARGV[1])
return 1`);

export const RELEASE = new Script(`redis.call("ZREM", KEYS[1], ARGV[1])
redis.call("ZREM", KEYS[2], ARGV[1])
return 1`);

// Keeps a live call's slots: a new expiry for the member, only where it is still present.
export const REFRESH = new Script(`for i = 1, 2 do
  if redis.call("ZSCORE", KEYS[i], ARGV[2]) then
    redis.call("ZADD", KEYS[i], "XX", ARGV[1], ARGV[2])
    redis.call("PEXPIRE", KEYS[i], ARGV[3])
  end
end
return 1`);

// A rotated key inherits what its predecessor used today (else rotating would reset the day
// quota): the old key's count is added to the new key's. Both keys share the account's hash tag.
export const CARRY_DAY = new Script(`local n = tonumber(redis.call("GET", KEYS[1]) or "0")
if n > 0 then
  redis.call("INCRBY", KEYS[2], n)
  redis.call("EXPIRE", KEYS[2], tonumber(ARGV[1]))
end
return n`);

// The minute window (@upstash/ratelimit's sliding window: one counter per key and minute, named
// <prefix>:rl:<key id>:<minute>) carried over on rotation. One key per script: the old and the
// new key's counters are in different Redis Cluster slots.
export function minuteCounterKey(keyId: string, minute: number): string {
  return `${redisPrefix()}:rl:${keyId}:${minute}`;
}
export const READ_COUNTER = new Script(`return tonumber(redis.call("GET", KEYS[1]) or "0")`);
export const ADD_TO_COUNTER = new Script(`local n = tonumber(ARGV[1])
if n > 0 then
  redis.call("INCRBY", KEYS[1], n)
  redis.call("PEXPIRE", KEYS[1], tonumber(ARGV[2]))
end
return n`);
