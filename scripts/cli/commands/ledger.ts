// Ledger operator commands: grant credits, sweep stale holds, expire credits, verify invariants.
import { and, asc, eq, sql } from "drizzle-orm";
import { memberships, users } from "@/db/schema";
import { getDb, type Db } from "@/lib/db";
import { creditAccount, expireCredits, getCredits, sweepHolds, verifyLedger } from "@/lib/ledger";
import { microsToUsdExact, usdToMicros } from "@/lib/money";
import { CliError, optionalFlag, printJson, requireFlag, type CliCommand } from "../types";

// A typo guard, not a business rule: larger grants are deliberate enough to split.
const MAX_GRANT_MICROS = usdToMicros("1000000");

async function ownerAccountOf(db: Db, email: string, accountFlag?: string): Promise<string> {
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
  if (!user) throw new CliError(`no user with email ${email}`);
  const owned = await db
    .select({ accountId: memberships.accountId })
    .from(memberships)
    .where(accountFlag ? and(eq(memberships.userId, user.id), eq(memberships.accountId, accountFlag)) : eq(memberships.userId, user.id))
    .orderBy(sql`CASE ${memberships.role} WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END`, asc(memberships.createdAt));
  if (!owned[0]) throw new CliError(accountFlag ? `${email} is not a member of ${accountFlag}` : `${email} has no account`);
  return owned[0].accountId;
}

function parseUsd(raw: string): bigint {
  let micros: bigint;
  try {
    micros = usdToMicros(raw);
  } catch {
    throw new CliError(`--usd must be a positive amount with at most 6 decimals (got ${raw})`);
  }
  if (micros <= BigInt(0)) throw new CliError("--usd must be greater than 0");
  if (micros > MAX_GRANT_MICROS) throw new CliError(`--usd must be at most ${microsToUsdExact(MAX_GRANT_MICROS)}`);
  return micros;
}

function parseDays(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 3650) throw new CliError("--expires-days must be an integer from 1 to 3650");
  return Number(raw);
}

export const commands: Record<string, CliCommand> = {
  "account:grant": {
    usage:
      "--email E --usd N --reason R [--kind grant|promo] [--expires-days D] [--account A] [--idempotency-key K]  grant credits (a lot + ledger entry); a repeated K grants nothing and prints the first grant",
    async run(flags) {
      const email = requireFlag(flags, "email").trim().toLowerCase();
      const amountMicros = parseUsd(requireFlag(flags, "usd").trim());
      const reason = requireFlag(flags, "reason").trim();
      if (reason.length > 500) throw new CliError("--reason must be at most 500 characters");
      const kind = optionalFlag(flags, "kind") ?? "grant";
      if (kind !== "grant" && kind !== "promo") throw new CliError("--kind must be grant or promo");
      const days = parseDays(optionalFlag(flags, "expires-days"));
      const grantKey = optionalFlag(flags, "idempotency-key")?.trim() || null;
      if (grantKey && grantKey.length > 200) throw new CliError("--idempotency-key must be at most 200 characters");
      const db = await getDb();
      const accountId = await ownerAccountOf(db, email, optionalFlag(flags, "account"));
      const result = await creditAccount(db, {
        accountId,
        kind,
        amountMicros,
        expiresAt: days ? new Date(Date.now() + days * 86_400_000) : undefined,
        reason,
        grantKey,
        actor: { kind: "cli", userId: null },
      });
      const credits = await getCredits(db, accountId);
      printJson({
        created: result.created,
        account_id: accountId,
        lot_id: result.lotId,
        entry_id: result.entryId,
        amount_micros: amountMicros,
        amount_usd: microsToUsdExact(amountMicros),
        balance_micros: credits.balanceMicros,
        balance_usd: microsToUsdExact(credits.balanceMicros),
      });
    },
  },

  "holds:sweep": {
    usage: "release pending holds past their expiry (safe to run on many instances)",
    async run() {
      const released = await sweepHolds(await getDb());
      printJson({ released });
    },
  },

  "credits:expire": {
    usage: "write expiry entries for expired credit lots (safe to run on many instances)",
    async run() {
      const r = await expireCredits(await getDb());
      printJson({ lots_expired: r.lotsExpired, micros: r.micros, usd: microsToUsdExact(r.micros) });
    },
  },

  "ledger:verify": {
    usage: "[--account A]  check the ledger invariants; exits 1 and lists violations on stderr if any",
    async run(flags) {
      const accountId = optionalFlag(flags, "account");
      const result = await verifyLedger(await getDb(), accountId);
      printJson({ ok: result.ok, account: accountId ?? null, violations: result.violations.length });
      if (result.ok) return 0;
      for (const v of result.violations) process.stderr.write(`violation ${v.rule} account=${v.accountId}: ${v.detail}\n`);
      return 1;
    },
  },
};
