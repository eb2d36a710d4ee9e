// Liveness, readiness and the drain state. /livez: the process answers. /readyz: this instance
// should get traffic — database and rate-limit store reachable, migrations applied, not draining.
import fs from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { getDb, rows } from "@/lib/db";
import { getLimitStore } from "@/lib/ratelimit/store";
import { getRedis } from "@/lib/redis";

export type Check = "ok" | "error";

type G = typeof globalThis & { __tollgateDraining?: boolean };
const g = globalThis as G;

/** Set when SIGTERM starts the drain: readiness fails so the load balancer stops sending. */
export function startDraining(): void {
  g.__tollgateDraining = true;
}
export function isDraining(): boolean {
  return g.__tollgateDraining === true;
}
/** Tests reuse one process. */
export function resetDraining(): void {
  g.__tollgateDraining = false;
}

export async function within(fn: () => Promise<unknown>, ms = 2000): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([fn(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error("timeout")), ms)))]);
    return "ok";
  } catch {
    return "error";
  } finally {
    clearTimeout(timer);
  }
}

export const checkDb = () => within(async () => (await getDb()).execute(sql`SELECT 1`));

/** The store the rate limiter really uses: Upstash over REST when configured, else Redis. */
export const checkLimitStore = () =>
  within(async () => {
    const store = await getLimitStore();
    if (store.kind === "upstash") return (store.redis as unknown as { ping(): Promise<unknown> }).ping();
    return (await getRedis()).client.ping();
  });

let newestMigration: number | undefined;
function newestMigrationOnDisk(): number {
  if (newestMigration === undefined) {
    const journal = JSON.parse(fs.readFileSync(path.join(process.cwd(), "db", "migrations", "meta", "_journal.json"), "utf8")) as { entries: { when: number }[] };
    newestMigration = Math.max(...journal.entries.map((e) => e.when));
  }
  return newestMigration;
}

/** Every migration this build ships has been applied (drizzle records each one's `when`). */
export const checkMigrations = () =>
  within(async () => {
    const [row] = await rows<{ newest: string | null }>(await getDb(), sql`SELECT max(created_at)::text AS newest FROM drizzle.__drizzle_migrations`);
    if (Number(row?.newest ?? 0) < newestMigrationOnDisk()) throw new Error("migrations pending");
  });

export async function readiness(): Promise<{ ready: boolean; draining: boolean; db: Check; rateLimitStore: Check; migrations: Check }> {
  const draining = isDraining();
  const [db, rateLimitStore, migrations] = await Promise.all([checkDb(), checkLimitStore(), checkMigrations()]);
  return { ready: !draining && db === "ok" && rateLimitStore === "ok" && migrations === "ok", draining, db, rateLimitStore, migrations };
}

const noStore = { "Cache-Control": "no-store" };

export function livezResponse(): Response {
  return Response.json({ status: "ok" }, { headers: noStore });
}

/** `extra`: informative fields beside readiness (the console process's state); never change the status. */
export async function readyzResponse(extra: Record<string, string> = {}): Promise<Response> {
  const r = await readiness();
  return Response.json({ status: r.ready ? "ready" : r.draining ? "draining" : "not_ready", ...r, ...extra }, { status: r.ready ? 200 : 503, headers: noStore });
}
