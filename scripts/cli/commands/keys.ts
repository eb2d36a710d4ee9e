// key:create — issue an API key for a user's account (operator CLI; --rpm sets a negotiated limit).
// key:revoke / key:rotate — by key id, whatever the account (the operator's own tools).
import { and, asc, eq, sql } from "drizzle-orm";
import { memberships, users } from "@/db/schema";
import { getDb } from "@/lib/db";
import { createKey, keyAccountId, KEY_TIERS, revokeKey, rotateKey, type KeyTier } from "@/lib/keys";
import { CliError, optionalFlag, printJson, requireFlag, type CliCommand } from "../types";

export const commands: Record<string, CliCommand> = {
  "key:create": {
    usage: "--email E --name N [--tier standard|enhanced|professional|enterprise | --rpm N] [--account ACCT]  create an API key (prints JSON with the plaintext key, shown once)",
    async run(flags) {
      const email = requireFlag(flags, "email").trim().toLowerCase();
      const name = requireFlag(flags, "name");
      const tier = optionalFlag(flags, "tier");
      const rpmFlag = optionalFlag(flags, "rpm");
      const accountFlag = optionalFlag(flags, "account");
      if (tier && rpmFlag) throw new CliError("give either --tier or --rpm, not both");
      if (tier && !(KEY_TIERS as readonly string[]).includes(tier)) throw new CliError(`--tier must be one of ${KEY_TIERS.join(", ")}`);
      let customRpm: number | undefined;
      if (rpmFlag) {
        if (!/^\d+$/.test(rpmFlag) || Number(rpmFlag) < 1) throw new CliError("--rpm must be a positive integer");
        customRpm = Number(rpmFlag);
      }
      const db = await getDb();
      const [user] = await db.select().from(users).where(eq(users.email, email)).limit(1);
      if (!user) throw new CliError(`no user with email ${email}`);
      // The account the user owns (oldest first), or the one named with --account.
      const owned = await db
        .select({ accountId: memberships.accountId, role: memberships.role })
        .from(memberships)
        .where(accountFlag ? and(eq(memberships.userId, user.id), eq(memberships.accountId, accountFlag)) : eq(memberships.userId, user.id))
        .orderBy(sql`CASE ${memberships.role} WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END`, asc(memberships.createdAt));
      const membership = owned[0];
      if (!membership) throw new CliError(accountFlag ? `${email} is not a member of ${accountFlag}` : `${email} has no account`);
      const { key, plaintext } = await createKey(db, { accountId: membership.accountId, actorUserId: null, actorKind: "cli" }, { name, tier: (tier as KeyTier | undefined) ?? "standard", customRpm });
      printJson({ id: key.id, key: plaintext, account_id: key.accountId });
    },
  },
  "key:revoke": {
    usage: "--key-id ID  revoke a key at once (also ends a rotation grace period)",
    async run(flags) {
      const keyId = requireFlag(flags, "key-id").trim();
      const db = await getDb();
      const accountId = await keyAccountId(db, keyId);
      const key = await revokeKey(db, { accountId, actorUserId: null, actorKind: "cli" }, keyId);
      printJson({ id: key.id, account_id: key.accountId, revoked_at: key.revokedAt?.toISOString() ?? null });
    },
  },
  "key:rotate": {
    usage: "--key-id ID [--grace-hours H]  issue a replacement key (printed once); the old one works H more hours (default 24, 0 = revoke now)",
    async run(flags) {
      const keyId = requireFlag(flags, "key-id").trim();
      const graceFlag = optionalFlag(flags, "grace-hours");
      let graceHours: number | undefined;
      if (graceFlag !== undefined) {
        if (!/^\d+(\.\d+)?$/.test(graceFlag) || Number(graceFlag) > 24 * 30) throw new CliError("--grace-hours must be a number of hours between 0 and 720");
        graceHours = Number(graceFlag);
      }
      const db = await getDb();
      const accountId = await keyAccountId(db, keyId);
      const r = await rotateKey(db, { accountId, actorUserId: null, actorKind: "cli" }, keyId, graceHours === undefined ? {} : { graceHours });
      printJson({ id: r.key.id, key: r.plaintext, account_id: r.key.accountId, previous_id: r.previous.id, previous_grace_until: r.previous.graceUntil?.toISOString() ?? null });
    },
  },
};
