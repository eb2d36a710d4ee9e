// The process-wide Redis connection: REDIS_URL → ioredis; unset → in-process ioredis-mock
// (one instance only; limits are not shared across processes, and we say so at start).
import type { Redis } from "ioredis";
import { env } from "@/lib/env";
import { log } from "@/lib/log";

export interface RedisHandle {
  client: Redis;
  kind: "redis" | "memory";
}

type G = typeof globalThis & { __tollgateRedis?: RedisHandle };
const g = globalThis as G;

export async function openRedis(url: string | undefined): Promise<RedisHandle> {
  if (url) {
    const { Redis } = await import("ioredis");
    const client = new Redis(url, { maxRetriesPerRequest: 1, enableAutoPipelining: true, lazyConnect: false });
    client.on("error", () => undefined); // surfaced through command failures and /health
    return { client, kind: "redis" };
  }
  const { default: RedisMock } = await import("ioredis-mock");
  log("redis").warn("REDIS_URL not set: rate limits use an in-process store (single instance only)");
  return { client: new RedisMock() as unknown as Redis, kind: "memory" };
}

let opening: Promise<RedisHandle> | undefined;
export function getRedis(): Promise<RedisHandle> {
  if (g.__tollgateRedis) return Promise.resolve(g.__tollgateRedis);
  opening ??= openRedis(env().REDIS_URL).then((h) => (g.__tollgateRedis = h));
  return opening;
}

export function setRedisHandle(handle: RedisHandle | undefined): void {
  g.__tollgateRedis = handle;
  opening = undefined;
}

/** Disconnects the process-wide connection if one was opened. */
export function closeRedis(): void {
  g.__tollgateRedis?.client.disconnect();
  setRedisHandle(undefined);
}
