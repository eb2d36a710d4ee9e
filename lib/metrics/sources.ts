// Scrape-time readings from the database: the same for every instance, so the gauges use the
// "max" aggregator across workers and dashboards should take max() across instances.
import { sql } from "drizzle-orm";
import { getDb, rows } from "@/lib/db";

let cache: { at: number; value: Promise<{ pending: number; heldMicros: bigint }> } | undefined;

/** Pending holds and held micro-dollars; cached for a second so two gauges share one query. */
export function pendingHoldTotals(): Promise<{ pending: number; heldMicros: bigint }> {
  const now = Date.now();
  if (cache && now - cache.at < 1000) return cache.value;
  const value = (async () => {
    const db = await getDb();
    const [row] = await rows<{ pending: number; held: string }>(
      db,
      sql`SELECT count(*)::int AS pending, coalesce(sum(amount_micros), 0)::text AS held FROM holds WHERE status = 'pending'`,
    );
    return { pending: Number(row?.pending ?? 0), heldMicros: BigInt(row?.held ?? "0") };
  })();
  cache = { at: now, value };
  value.catch(() => (cache = undefined));
  return value;
}
