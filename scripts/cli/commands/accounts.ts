// account:suspend / account:unsuspend / account:terminate — the operator's side of an account's
// lifetime (lib/accounts/lifecycle.ts). The account is the one the email owns, or --account.
import { and, asc, eq } from "drizzle-orm";
import { memberships, users } from "@/db/schema";
import { getDb } from "@/lib/db";
import { suspendAccount, terminateAccount, unsuspendAccount, type StatusChange } from "@/lib/accounts/lifecycle";
import { CliError, optionalFlag, printJson, requireFlag, type CliCommand, type Flags } from "../types";

const CLI = { kind: "cli" as const };

/** The account owned by --email (its oldest), or the --account it owns. */
export async function ownedAccount(flags: Flags): Promise<string> {
  const email = requireFlag(flags, "email").trim().toLowerCase();
  const accountFlag = optionalFlag(flags, "account");
  const db = await getDb();
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
  if (!user) throw new CliError(`no user with email ${email}`);
  const [owned] = await db
    .select({ accountId: memberships.accountId })
    .from(memberships)
    .where(and(eq(memberships.userId, user.id), eq(memberships.role, "owner"), ...(accountFlag ? [eq(memberships.accountId, accountFlag)] : [])))
    .orderBy(asc(memberships.createdAt))
    .limit(1);
  if (!owned) throw new CliError(accountFlag ? `${email} does not own ${accountFlag}` : `${email} owns no account`);
  return owned.accountId;
}

function print(r: StatusChange): void {
  printJson({ account_id: r.accountId, status: r.status, changed: r.changed, revoked_key_ids: r.revokedKeyIds, balance_micros: r.balanceMicros });
}

export const commands: Record<string, CliCommand> = {
  "account:suspend": {
    usage: "--email E --reason R [--account ACCT]  suspend API access (keys get 403 ACCOUNT_SUSPENDED; the customer sees the reason)",
    async run(flags) {
      const accountId = await ownedAccount(flags);
      print(await suspendAccount(await getDb(), CLI, { accountId, reason: requireFlag(flags, "reason") }));
    },
  },
  "account:unsuspend": {
    usage: "--email E [--account ACCT]  lift a suspension",
    async run(flags) {
      const accountId = await ownedAccount(flags);
      print(await unsuspendAccount(await getDb(), CLI, { accountId }));
    },
  },
  "account:terminate": {
    usage: "--email E --reason R [--account ACCT]  terminate for good: revoke every key, keep the balance for a refund",
    async run(flags) {
      const accountId = await ownedAccount(flags);
      print(await terminateAccount(await getDb(), CLI, { accountId, reason: requireFlag(flags, "reason") }));
    },
  },
};
