// "Only one instance runs job X right now": a PostgreSQL session advisory lock taken with
// pg_try_advisory_lock on a dedicated pooled connection (session locks belong to the connection
// that took them). The jobs themselves are also safe to overlap (the ledger's status-guarded,
// idempotent statements; unique dedupe keys and SKIP LOCKED claims for notifications); the lock
// only saves duplicate work. On the embedded
// database there is one process, so an in-process flag is enough.
import { createHash } from "node:crypto";
import type { DbHandle } from "@/lib/db";

const running = new Set<string>();

/** A stable 63-bit key per job name, shared by every instance. */
export function jobLockKey(name: string): string {
  const hex = createHash("sha256").update(`tollgate-job:${name}`).digest("hex").slice(0, 15);
  return BigInt(`0x${hex}`).toString();
}

type PoolLike = { connect(): Promise<{ query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>; release(): void }> };

export async function withJobLock<T>(handle: DbHandle, name: string, fn: () => Promise<T>): Promise<{ ran: true; result: T } | { ran: false }> {
  if (running.has(name)) return { ran: false };
  running.add(name);
  try {
    if (handle.kind !== "postgres") return { ran: true, result: await fn() };
    const pool = (handle.db as unknown as { $client: PoolLike }).$client;
    const client = await pool.connect();
    const key = jobLockKey(name);
    try {
      const { rows } = await client.query("SELECT pg_try_advisory_lock($1::bigint) AS got", [key]);
      if (rows[0]?.got !== true) return { ran: false };
      try {
        return { ran: true, result: await fn() };
      } finally {
        await client.query("SELECT pg_advisory_unlock($1::bigint)", [key]).catch(() => undefined);
      }
    } finally {
      client.release();
    }
  } finally {
    running.delete(name);
  }
}
