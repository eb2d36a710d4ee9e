// An account's lifetime: active → suspended ↔ active; active|suspended → terminated (operator) or
// closed (owner). Terminated and closed are final. Every change locks the account row, writes its
// audit row and the customer's notification in the same transaction, and evicts the account's
// keys from the key caches after commit (other instances follow within the cache bound, ≤ 5 s).
// The balance is never touched here: it stays on the books for a refund.
import { eq } from "drizzle-orm";
import { accounts } from "@/db/schema";
import { writeAudit, type ActorKind } from "@/lib/audit";
import type { DbOrTx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { invalidateAccountKeys, revokeAllKeys } from "@/lib/keys";
import { createNotification } from "@/lib/notifications";
import { formatUsd } from "@/lib/money";

export type AccountStatus = "active" | "suspended" | "terminated" | "closed";

export interface LifecycleActor {
  kind: ActorKind;
  userId?: string | null;
}

export interface StatusChange {
  accountId: string;
  status: AccountStatus;
  changed: boolean;
  revokedKeyIds: string[];
  balanceMicros: bigint;
}

interface Locked {
  id: string;
  status: AccountStatus;
  statusReason: string | null;
  balanceMicros: bigint;
}

const REASON_MAX = 500;

function cleanReason(reason: string | undefined | null, required: boolean): string | null {
  const r = (reason ?? "").trim();
  if (!r) {
    if (required) throw new AppError("INVALID_REQUEST", "A reason is required (it is shown to the customer).", { param: "reason" });
    return null;
  }
  if (r.length > REASON_MAX) throw new AppError("INVALID_REQUEST", `The reason is at most ${REASON_MAX} characters.`, { param: "reason" });
  return r;
}

async function lockAccountRow(tx: DbOrTx, accountId: string): Promise<Locked> {
  const [row] = await tx
    .select({ id: accounts.id, status: accounts.status, statusReason: accounts.statusReason, balanceMicros: accounts.balanceMicros })
    .from(accounts)
    .where(eq(accounts.id, accountId))
    .for("update");
  if (!row) throw new AppError("NOT_FOUND", "Account not found.");
  return row;
}

async function change(
  db: DbOrTx,
  accountId: string,
  actor: LifecycleActor,
  plan: (a: Locked) => { to: AccountStatus; reason: string | null; revoke: boolean; action: string; notice: { title: string; body: string } } | null,
): Promise<StatusChange> {
  const result = await db.transaction(async (tx) => {
    const before = await lockAccountRow(tx, accountId);
    const step = plan(before);
    if (!step) return { accountId, status: before.status, changed: false, revokedKeyIds: [], balanceMicros: before.balanceMicros };
    const now = new Date();
    await tx
      .update(accounts)
      .set({ status: step.to, statusReason: step.reason, statusChangedAt: now, ...(step.to === "closed" ? { closedAt: now } : {}) })
      .where(eq(accounts.id, accountId));
    const revokedKeyIds = step.revoke ? await revokeAllKeys(tx, accountId, now) : [];
    await writeAudit(tx, {
      accountId,
      actorUserId: actor.userId ?? null,
      actorKind: actor.kind,
      action: step.action,
      targetType: "account",
      targetId: accountId,
      data: { from: before.status, to: step.to, reason: step.reason, revokedKeyIds, balanceMicros: before.balanceMicros },
    });
    await createNotification(tx, { accountId, kind: "account_status", title: step.notice.title, body: step.notice.body });
    return { accountId, status: step.to, changed: true, revokedKeyIds, balanceMicros: before.balanceMicros };
  });
  if (result.changed) await invalidateAccountKeys(db, accountId);
  return result;
}

function refundHint(balanceMicros: bigint): string {
  if (balanceMicros <= BigInt(0)) return "There is no remaining balance to refund.";
  return `The remaining balance of ${formatUsd(balanceMicros)} is kept for a refund: reply to this notice or contact support quoting the account id to claim it (paid credit goes back to the original card).`;
}

function final(a: Locked): void {
  if (a.status === "terminated" || a.status === "closed") throw new AppError("CONFLICT", `This account is ${a.status}; that cannot be undone.`);
}

/** Staff/CLI: API calls of every key get 403 ACCOUNT_SUSPENDED; the console shows the reason. */
export function suspendAccount(db: DbOrTx, actor: LifecycleActor, input: { accountId: string; reason: string }): Promise<StatusChange> {
  const reason = cleanReason(input.reason, true);
  return change(db, input.accountId, actor, (a) => {
    final(a);
    if (a.status === "suspended" && a.statusReason === reason) return null;
    return {
      to: "suspended",
      reason,
      revoke: false,
      action: "account.suspend",
      notice: { title: "Your account is suspended", body: `API access of this account is suspended. Reason: ${reason} Your keys, credits and data are kept; contact support to resolve this.` },
    };
  });
}

export function unsuspendAccount(db: DbOrTx, actor: LifecycleActor, input: { accountId: string }): Promise<StatusChange> {
  return change(db, input.accountId, actor, (a) => {
    final(a);
    if (a.status === "active") return null;
    return {
      to: "active",
      reason: null,
      revoke: false,
      action: "account.unsuspend",
      notice: { title: "Your account is active again", body: "The suspension was lifted: your API keys work again." },
    };
  });
}

/** Staff/CLI, final: every key revoked, the API stopped, the balance kept for a refund. */
export function terminateAccount(db: DbOrTx, actor: LifecycleActor, input: { accountId: string; reason: string }): Promise<StatusChange> {
  const reason = cleanReason(input.reason, true);
  return change(db, input.accountId, actor, (a) => {
    if (a.status === "terminated") return null;
    final(a);
    return {
      to: "terminated",
      reason,
      revoke: true,
      action: "account.terminate",
      notice: { title: "Your account was terminated", body: `This account was terminated and all its API keys revoked. Reason: ${reason} ${refundHint(a.balanceMicros)}` },
    };
  });
}

/** The owner closes the account: keys revoked, balance kept for a refund, personal data erased later. */
export function closeAccountRecord(db: DbOrTx, actor: LifecycleActor, input: { accountId: string }): Promise<StatusChange> {
  return change(db, input.accountId, actor, (a) => {
    if (a.status === "closed") return null;
    final(a);
    return {
      to: "closed",
      reason: "Closed by the owner",
      revoke: true,
      action: "account.close",
      notice: { title: "Your account is closed", body: `This account was closed and all its API keys revoked. Personal data is erased within 30 days. ${refundHint(a.balanceMicros)}` },
    };
  });
}

/** For pages: status and why. */
export async function accountStatusOf(db: DbOrTx, accountId: string): Promise<{ status: AccountStatus; reason: string | null; changedAt: Date | null; closedAt: Date | null; balanceMicros: bigint } | null> {
  const [row] = await db
    .select({ status: accounts.status, reason: accounts.statusReason, changedAt: accounts.statusChangedAt, closedAt: accounts.closedAt, balanceMicros: accounts.balanceMicros })
    .from(accounts)
    .where(eq(accounts.id, accountId));
  return row ?? null;
}
