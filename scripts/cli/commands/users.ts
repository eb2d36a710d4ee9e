import { eq } from "drizzle-orm";
import { z } from "zod";
import { accounts, memberships, users } from "@/db/schema";
import { getDb } from "@/lib/db";
import { writeAudit } from "@/lib/audit";
import { emailSchema, passwordSchema } from "@/lib/auth/schemas";
import { createUserWithAccount } from "@/lib/auth/users";
import { usdToMicros } from "@/lib/money";
import { CliError, optionalFlag, printJson, requireFlag, type CliCommand } from "../types";

function parseOr<T>(schema: z.ZodType<T>, value: unknown, flag: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new CliError(`--${flag}: ${r.error.issues[0]?.message ?? "invalid"}`);
  return r.data;
}

/** The account a user owns (their first owned membership). */
export async function ownerAccountOf(email: string): Promise<{ userId: string; accountId: string }> {
  const db = await getDb();
  const [row] = await db
    .select({ userId: users.id, accountId: memberships.accountId })
    .from(users)
    .innerJoin(memberships, eq(memberships.userId, users.id))
    .where(eq(users.email, email.trim().toLowerCase()))
    .orderBy(memberships.createdAt)
    .limit(1);
  if (!row) throw new CliError(`no user with email ${email}`);
  return row;
}

export const commands: Record<string, CliCommand> = {
  "user:create": {
    usage: "--email E --password P [--name N] [--staff]  create a user who owns a new account",
    async run(flags) {
      const email = parseOr(emailSchema, requireFlag(flags, "email"), "email");
      const password = parseOr(passwordSchema, requireFlag(flags, "password"), "password");
      const created = await createUserWithAccount(await getDb(), { email, password, name: optionalFlag(flags, "name"), isStaff: flags.staff === true }, "cli");
      printJson({ user_id: created.userId, account_id: created.accountId });
    },
  },
  "account:set": {
    usage: "--email E [--concurrency N] [--low-balance-usd N]  change an account's limits",
    async run(flags) {
      const { accountId } = await ownerAccountOf(requireFlag(flags, "email"));
      const patch: { concurrencyLimit?: number; lowBalanceThresholdMicros?: bigint | null } = {};
      const concurrency = optionalFlag(flags, "concurrency");
      if (concurrency !== undefined) patch.concurrencyLimit = parseOr(z.coerce.number().int().min(1).max(10_000), concurrency, "concurrency");
      const low = optionalFlag(flags, "low-balance-usd");
      if (low !== undefined) {
        try {
          patch.lowBalanceThresholdMicros = low === "none" ? null : usdToMicros(low);
        } catch {
          throw new CliError("--low-balance-usd: not a USD amount");
        }
        if (patch.lowBalanceThresholdMicros !== null && patch.lowBalanceThresholdMicros < BigInt(0)) throw new CliError("--low-balance-usd must be ≥ 0");
      }
      if (!Object.keys(patch).length) throw new CliError("nothing to change: pass --concurrency and/or --low-balance-usd");
      const db = await getDb();
      const updated = await db.transaction(async (tx) => {
        const [row] = await tx.update(accounts).set(patch).where(eq(accounts.id, accountId)).returning();
        await writeAudit(tx, { accountId, actorKind: "cli", action: "account.update", targetType: "account", targetId: accountId, data: patch });
        return row;
      });
      printJson({ account_id: updated.id, concurrency_limit: updated.concurrencyLimit, low_balance_threshold_micros: updated.lowBalanceThresholdMicros });
    },
  },
};
