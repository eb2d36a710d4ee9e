// Staff side of an account's lifetime and its keys: suspend, lift, terminate, revoke any key.
// The staff flag is re-read from the database on every call; the work is lib/accounts/lifecycle.
import type { DbOrTx } from "@/lib/db";
import { requireStaff } from "@/lib/accounts/authorize";
import { suspendAccount, terminateAccount, unsuspendAccount, type StatusChange } from "@/lib/accounts/lifecycle";
import { AppError } from "@/lib/errors";
import { keyAccountId, listKeys, revokeKey, type ApiKeyView } from "@/lib/keys";
import type { StaffCtx } from "./accounts";
import type { StaffAccountStatusInput, StaffKeyInput } from "./schemas";

const actor = (ctx: StaffCtx) => ({ kind: "staff" as const, userId: ctx.userId });

export async function staffSetAccountStatus(db: DbOrTx, ctx: StaffCtx, input: StaffAccountStatusInput): Promise<StatusChange> {
  await requireStaff(db, ctx.userId);
  switch (input.op) {
    case "suspend":
      return suspendAccount(db, actor(ctx), { accountId: input.accountId, reason: input.reason ?? "" });
    case "unsuspend":
      return unsuspendAccount(db, actor(ctx), { accountId: input.accountId });
    case "terminate":
      return terminateAccount(db, actor(ctx), { accountId: input.accountId, reason: input.reason ?? "" });
  }
}

/** Revokes any key of the named account (the pair must match: a stale page cannot hit another account). */
export async function staffRevokeKey(db: DbOrTx, ctx: StaffCtx, input: StaffKeyInput): Promise<ApiKeyView> {
  await requireStaff(db, ctx.userId);
  if ((await keyAccountId(db, input.keyId)) !== input.accountId) throw new AppError("NOT_FOUND", "API key not found.");
  return revokeKey(db, { accountId: input.accountId, actorUserId: ctx.userId, actorKind: "staff" }, input.keyId);
}

export async function staffListKeys(db: DbOrTx, ctx: StaffCtx, accountId: string): Promise<ApiKeyView[]> {
  await requireStaff(db, ctx.userId);
  return listKeys(db, accountId);
}
