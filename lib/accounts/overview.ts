// The overview page's figures: credits (from the ledger) and the last 30 days of spend.
import { sql } from "drizzle-orm";
import { requests } from "@/db/schema";
import { rows, type DbOrTx } from "@/lib/db";
import { getCredits } from "@/lib/ledger";
import { dayKey, dayKeys, rangeStart } from "@/lib/usage/series";
import { authorize, type ActorCtx } from "./authorize";

export interface SpendPoint {
  day: string;
  costMicros: bigint;
  requests: number;
}

export interface Overview {
  balanceMicros: bigint;
  heldMicros: bigint;
  availableMicros: bigint;
  expiringNext30DaysMicros: bigint;
  spend: SpendPoint[];
  spend30dMicros: bigint;
  requests30d: number;
}

export async function spendSeries(db: DbOrTx, accountId: string, days: number, now: Date): Promise<SpendPoint[]> {
  const start = rangeStart(days, now);
  const raw = await rows<{ day: unknown; cost: string; n: string | number }>(
    db,
    sql`SELECT date_trunc('day', ${requests.createdAt} AT TIME ZONE 'UTC')::date::text AS day,
               coalesce(sum(${requests.costMicros}), 0)::text AS cost, count(*) AS n
        FROM ${requests}
        WHERE ${requests.accountId} = ${accountId} AND ${requests.createdAt} >= ${start.toISOString()}
        GROUP BY 1`,
  );
  const byDay = new Map(raw.map((r) => [dayKey(r.day), r]));
  return dayKeys(days, now).map((day) => {
    const r = byDay.get(day);
    return { day, costMicros: r ? BigInt(r.cost) : BigInt(0), requests: r ? Number(r.n) : 0 };
  });
}

export async function getOverview(db: DbOrTx, ctx: ActorCtx, now = new Date()): Promise<Overview> {
  await authorize(db, ctx, "usage:read");
  const [credits, spend] = await Promise.all([getCredits(db, ctx.accountId, now), spendSeries(db, ctx.accountId, 30, now)]);
  return {
    ...credits,
    spend,
    spend30dMicros: spend.reduce((s, p) => s + p.costMicros, BigInt(0)),
    requests30d: spend.reduce((s, p) => s + p.requests, 0),
  };
}
