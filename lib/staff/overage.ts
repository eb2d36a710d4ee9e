// Calls charged beyond their hold (the account went below what it had reserved, by at most the
// per-call overage bound) and usage written off beyond that bound — for operators: totals per
// account and the calls themselves, newest first.
import { and, desc, eq, gte, lt, or, sql, type SQL } from "drizzle-orm";
import { accounts, requests } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { requireStaff } from "@/lib/accounts/authorize";
import { decodeCursor, encodeCursor } from "@/lib/accounts/cursor";
import { dayRange } from "@/lib/accounts/filters";

export interface OverageRow {
  id: string;
  accountId: string;
  accountName: string | null;
  model: string | null;
  endpoint: string;
  holdMicros: bigint;
  costMicros: bigint;
  overageMicros: bigint;
  unchargedMicros: bigint;
  createdAt: Date;
}

export interface OverageTotals {
  calls: number;
  overageMicros: bigint;
  unchargedMicros: bigint;
}

export async function listOverage(
  db: DbOrTx,
  ctx: { userId: string },
  filters: { accountId?: string; from?: string; to?: string; cursor?: string; limit?: number } = {},
): Promise<{ rows: OverageRow[]; nextCursor: string | null; totals: OverageTotals }> {
  await requireStaff(db, ctx.userId);
  const limit = Math.min(Math.max(filters.limit ?? 50, 1), 200);
  // Matches the partial index requests_overage_idx.
  const where: SQL[] = [sql`(${requests.overageMicros} > 0 OR ${requests.unchargedMicros} > 0)`];
  if (filters.accountId?.trim()) where.push(eq(requests.accountId, filters.accountId.trim()));
  const range = dayRange(filters.from, filters.to);
  if (range.from) where.push(gte(requests.createdAt, range.from));
  if (range.to) where.push(lt(requests.createdAt, range.to));
  const [totals] = await db
    .select({
      calls: sql<number>`count(*)::int`,
      overage: sql<string>`coalesce(sum(${requests.overageMicros}), 0)::text`,
      uncharged: sql<string>`coalesce(sum(${requests.unchargedMicros}), 0)::text`,
    })
    .from(requests)
    .where(and(...where));
  const cursor = decodeCursor(filters.cursor);
  if (cursor?.length === 2 && typeof cursor[0] === "string" && typeof cursor[1] === "string") {
    const at = new Date(cursor[0]);
    if (!Number.isNaN(at.getTime())) where.push(or(lt(requests.createdAt, at), and(eq(requests.createdAt, at), lt(requests.id, cursor[1])))!);
  }
  const found = await db
    .select({
      id: requests.id,
      accountId: requests.accountId,
      accountName: accounts.name,
      model: requests.model,
      endpoint: requests.endpoint,
      holdMicros: requests.holdMicros,
      costMicros: requests.costMicros,
      overageMicros: requests.overageMicros,
      unchargedMicros: requests.unchargedMicros,
      createdAt: requests.createdAt,
    })
    .from(requests)
    .leftJoin(accounts, eq(accounts.id, requests.accountId))
    .where(and(...where))
    .orderBy(desc(requests.createdAt), desc(requests.id))
    .limit(limit + 1);
  const page = found.slice(0, limit);
  const last = page[page.length - 1];
  return {
    rows: page,
    nextCursor: found.length > limit && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null,
    totals: { calls: Number(totals?.calls ?? 0), overageMicros: BigInt(totals?.overage ?? 0), unchargedMicros: BigInt(totals?.uncharged ?? 0) },
  };
}
