// Which Redis the limiter talks to: Upstash REST when configured, else the process-wide
// ioredis connection (REDIS_URL) or the in-process ioredis-mock, both through the adapter.
import { env } from "@/lib/env";
import { getRedis } from "@/lib/redis";
import { IoredisUpstashAdapter, type ScriptRedis } from "./adapter";

export interface LimitStore {
  redis: ScriptRedis;
  kind: "upstash" | "redis" | "memory";
}

type G = typeof globalThis & { __tollgateLimitStore?: Promise<LimitStore> };
const g = globalThis as G;

async function open(): Promise<LimitStore> {
  const { UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token } = env();
  if (url && token) {
    const { Redis } = await import("@upstash/redis");
    // Auto-pipelining batches the limiter and concurrency scripts into one HTTP request.
    const redis = new Redis({ url, token, enableAutoPipelining: true });
    return { redis: redis as unknown as ScriptRedis, kind: "upstash" };
  }
  const handle = await getRedis();
  return { redis: new IoredisUpstashAdapter(handle.client), kind: handle.kind };
}

export function getLimitStore(): Promise<LimitStore> {
  if (!g.__tollgateLimitStore) {
    g.__tollgateLimitStore = open();
    g.__tollgateLimitStore.catch(() => {
      g.__tollgateLimitStore = undefined;
    });
  }
  return g.__tollgateLimitStore;
}

/** For tests that swap Redis handles. */
export function resetLimitStore(): void {
  g.__tollgateLimitStore = undefined;
}

export function redisPrefix(): string {
  return env().TOLLGATE_REDIS_PREFIX;
}
