import { sql } from "drizzle-orm";
import { getDb } from "@/lib/db";
import { acceptRequestId } from "@/lib/ids";
import { getLimitStore } from "@/lib/ratelimit/store";
import { getRedis } from "@/lib/redis";

export const dynamic = "force-dynamic";

async function check(fn: () => Promise<unknown>, ms = 2000): Promise<"ok" | "error"> {
  try {
    await Promise.race([fn(), new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), ms))]);
    return "ok";
  } catch {
    return "error";
  }
}

export async function GET(req: Request): Promise<Response> {
  const [db, redis] = await Promise.all([
    check(async () => (await getDb()).execute(sql`SELECT 1`)),
    // The store the rate limiter really uses: Upstash over REST when configured, else Redis.
    check(async () => {
      const store = await getLimitStore();
      if (store.kind === "upstash") return (store.redis as unknown as { ping(): Promise<unknown> }).ping();
      return (await getRedis()).client.ping();
    }),
  ]);
  const status = db === "ok" && redis === "ok" ? "ok" : "degraded";
  return Response.json({ status, db, redis }, { status: status === "ok" ? 200 : 503, headers: { "Cache-Control": "no-store", "X-Request-Id": acceptRequestId(req.headers.get("x-request-id")) } });
}
