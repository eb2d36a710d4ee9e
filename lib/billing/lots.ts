// Read side of credit lots for the billing page, and the account's low-balance threshold.
import { asc, desc, eq } from "drizzle-orm";
import { accounts, creditLots } from "@/db/schema";
import type { Db, DbOrTx } from "@/lib/db";
import { writeAudit } from "@/lib/audit";
import { AppError, invalidRequestFromZod } from "@/lib/errors";
import type { LotKind } from "@/lib/ledger/types";
import { requireAccountPermission, type BillingContext } from "./access";
import { lowBalanceThresholdSchema } from "./schemas";

export type LotStatus = "active" | "used" | "expired";

export interface LotView {
  id: string;
  kind: LotKind;
  originalMicros: bigint;
  remainingMicros: bigint;
  expiresAt: Date;
  createdAt: Date;
  expiredAt: Date | null;
  status: LotStatus;
  stripeSessionId: string | null;
  reason: string | null;
}

/** Every lot of the account: live ones first by expiry (the order charges consume them), then history. */
export async function listLots(db: DbOrTx, accountId: string, now: Date = new Date()): Promise<LotView[]> {
  const lots = await db
    .select({
      id: creditLots.id,
      kind: creditLots.kind,
      originalMicros: creditLots.originalMicros,
      remainingMicros: creditLots.remainingMicros,
      expiresAt: creditLots.expiresAt,
      createdAt: creditLots.createdAt,
      expiredAt: creditLots.expiredAt,
      stripeSessionId: creditLots.stripeSessionId,
      reason: creditLots.reason,
    })
    .from(creditLots)
    .where(eq(creditLots.accountId, accountId))
    .orderBy(asc(creditLots.expiresAt), desc(creditLots.createdAt));
  const view = lots.map((l): LotView => {
    const expired = l.expiredAt !== null || (l.expiresAt <= now && l.remainingMicros > BigInt(0));
    const status: LotStatus = expired ? "expired" : l.remainingMicros === BigInt(0) ? "used" : "active";
    return { ...l, status };
  });
  const rank: Record<LotStatus, number> = { active: 0, used: 1, expired: 2 };
  return view.sort((a, b) => rank[a.status] - rank[b.status]); // stable: keeps expiry order within a group
}

/** Sets (or clears, with null) the balance under which the account gets a low-balance notification. */
export async function setLowBalanceThreshold(db: Db, ctx: BillingContext, micros: bigint | number | string | null): Promise<{ thresholdMicros: bigint | null }> {
  const parsed = lowBalanceThresholdSchema.safeParse(micros);
  if (!parsed.success) throw invalidRequestFromZod(parsed.error.issues.map((i) => ({ ...i, path: ["lowBalanceThresholdMicros", ...i.path] })));
  const value = parsed.data;
  await requireAccountPermission(db, ctx, "billing:write");
  return db.transaction(async (tx) => {
    const [before] = await tx
      .select({ threshold: accounts.lowBalanceThresholdMicros })
      .from(accounts)
      .where(eq(accounts.id, ctx.accountId))
      .for("update");
    if (!before) throw new AppError("NOT_FOUND", "Account not found");
    await tx.update(accounts).set({ lowBalanceThresholdMicros: value }).where(eq(accounts.id, ctx.accountId));
    await writeAudit(tx, {
      accountId: ctx.accountId,
      actorUserId: ctx.userId,
      actorKind: "user",
      action: "billing.low_balance_threshold_set",
      targetType: "account",
      targetId: ctx.accountId,
      data: { fromMicros: before.threshold, toMicros: value },
    });
    return { thresholdMicros: value };
  });
}
