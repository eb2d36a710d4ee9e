// API key management shared by the console, the CLI and tests. Every mutation is scoped to
// ctx.accountId (another account's key is NOT_FOUND) and writes its audit row in the same
// transaction. Plaintext keys exist only in the return value of create/rotate.
import { and, desc, eq, sql } from "drizzle-orm";
import { accounts, apiKeys } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { AppError, invalidRequestFromZod } from "@/lib/errors";
import { writeAudit, type ActorKind } from "@/lib/audit";
import { newId } from "@/lib/ids";
import { carryRateLimits } from "@/lib/ratelimit";
import { invalidateKey } from "./cache";
import { displayParts, generateKey, hashKey } from "./format";
import { createKeySchema, keyIdSchema, rotateKeySchema, updateKeySchema, type CreateKeyInput, type RotateKeyInput, type UpdateKeyInput } from "./schemas";

export interface KeyContext {
  accountId: string;
  actorUserId?: string | null;
  actorKind: ActorKind;
}

type KeyRow = typeof apiKeys.$inferSelect;
/** A key as the console may show it: everything but the hash. */
export type ApiKeyView = Omit<KeyRow, "keyHash">;

export type KeyStatus = "active" | "expired" | "revoked" | "grace";

export function keyStatus(key: Pick<KeyRow, "revokedAt" | "graceUntil" | "expiresAt">, now = new Date()): KeyStatus {
  if (key.revokedAt && key.revokedAt <= now) return key.graceUntil && now < key.graceUntil ? "grace" : "revoked";
  if (key.expiresAt && key.expiresAt <= now) return "expired";
  return "active";
}

function view(row: KeyRow): ApiKeyView {
  const { keyHash: _hash, ...rest } = row;
  return rest;
}

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, input: unknown): T {
  const r = schema.safeParse(input);
  if (!r.success) throw invalidRequestFromZod(r.error.issues);
  return r.data;
}

async function loadOwned(tx: DbOrTx, ctx: KeyContext, keyId: string, forUpdate: boolean): Promise<KeyRow> {
  if (!keyIdSchema.safeParse(keyId).success) throw new AppError("NOT_FOUND", "API key not found.");
  const q = tx.select().from(apiKeys).where(and(eq(apiKeys.id, keyId), eq(apiKeys.accountId, ctx.accountId)));
  const [row] = forUpdate ? await q.for("update") : await q;
  if (!row) throw new AppError("NOT_FOUND", "API key not found.");
  return row;
}

/**
 * Terminated and closed accounts get no new keys. FOR SHARE queues behind a termination that
 * holds the account row (it revokes every key), so no key is created behind its back.
 */
async function assertAccountTakesKeys(tx: DbOrTx, accountId: string): Promise<void> {
  const [row] = await tx.select({ status: accounts.status }).from(accounts).where(eq(accounts.id, accountId)).for("share");
  if (!row) throw new AppError("NOT_FOUND", "Account not found.");
  if (row.status === "terminated" || row.status === "closed") throw new AppError("CONFLICT", `This account is ${row.status}; it cannot have API keys.`);
}

/** The account a key belongs to: operator tools (CLI, staff) name a key by its id alone. */
export async function keyAccountId(db: DbOrTx, keyId: string): Promise<string> {
  if (!keyIdSchema.safeParse(keyId).success) throw new AppError("NOT_FOUND", "API key not found.");
  const [row] = await db.select({ accountId: apiKeys.accountId }).from(apiKeys).where(eq(apiKeys.id, keyId)).limit(1);
  if (!row) throw new AppError("NOT_FOUND", "API key not found.");
  return row.accountId;
}

/** Evicts every key of an account from the key caches (its status changed). */
export async function invalidateAccountKeys(db: DbOrTx, accountId: string): Promise<void> {
  const ids = await db.select({ id: apiKeys.id }).from(apiKeys).where(eq(apiKeys.accountId, accountId));
  await Promise.all(ids.map((k) => invalidateKey(k.id)));
}

/**
 * Revokes every key of the account at once (termination, closure), grace periods included.
 * Runs in the caller's transaction; returns the ids revoked (the caller invalidates the cache
 * after commit).
 */
export async function revokeAllKeys(tx: DbOrTx, accountId: string, now = new Date()): Promise<string[]> {
  const revoked = await tx
    .update(apiKeys)
    .set({ revokedAt: now, graceUntil: null })
    .where(and(eq(apiKeys.accountId, accountId), sql`(${apiKeys.revokedAt} IS NULL OR ${apiKeys.revokedAt} > ${now} OR ${apiKeys.graceUntil} > ${now})`))
    .returning({ id: apiKeys.id });
  return revoked.map((r) => r.id);
}

export async function createKey(db: DbOrTx, ctx: KeyContext, input: CreateKeyInput): Promise<{ key: ApiKeyView; plaintext: string }> {
  const data = parse(createKeySchema, input);
  const plaintext = generateKey();
  const { prefix, last4 } = displayParts(plaintext);
  const row = await db.transaction(async (tx) => {
    await assertAccountTakesKeys(tx, ctx.accountId);
    const [inserted] = await tx
      .insert(apiKeys)
      .values({
        id: newId("key"),
        accountId: ctx.accountId,
        name: data.name,
        keyHash: hashKey(plaintext),
        prefix,
        last4,
        tier: data.tier,
        customRpm: data.customRpm ?? null,
        customRpd: data.customRpd ?? null,
        customConcurrency: data.customConcurrency ?? null,
        expiresAt: data.expiresAt ?? null,
        dailySpendCapMicros: data.dailySpendCapMicros ?? null,
        creditLimitMicros: data.creditLimitMicros ?? null,
        createdBy: ctx.actorUserId ?? null,
      })
      .returning();
    await writeAudit(tx, {
      accountId: ctx.accountId,
      actorUserId: ctx.actorUserId,
      actorKind: ctx.actorKind,
      action: "key.create",
      targetType: "api_key",
      targetId: inserted.id,
      data: {
        name: data.name,
        tier: data.tier,
        customRpm: data.customRpm ?? null,
        customRpd: data.customRpd ?? null,
        customConcurrency: data.customConcurrency ?? null,
        expiresAt: data.expiresAt?.toISOString() ?? null,
        dailySpendCapMicros: data.dailySpendCapMicros ?? null,
        creditLimitMicros: data.creditLimitMicros ?? null,
        prefix,
      },
    });
    return inserted;
  });
  return { key: view(row), plaintext };
}

export async function updateKey(db: DbOrTx, ctx: KeyContext, keyId: string, input: UpdateKeyInput): Promise<ApiKeyView> {
  const data = parse(updateKeySchema, input);
  const row = await db.transaction(async (tx) => {
    const before = await loadOwned(tx, ctx, keyId, true);
    const patch: Partial<KeyRow> = {};
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    const fields = ["name", "tier", "customRpm", "customRpd", "customConcurrency", "dailySpendCapMicros", "creditLimitMicros"] as const;
    for (const field of fields) {
      const next = data[field];
      if (next === undefined || next === before[field]) continue;
      (patch as Record<string, unknown>)[field] = next;
      changes[field] = { from: before[field], to: next };
    }
    if (Object.keys(patch).length === 0) return before;
    const [updated] = await tx.update(apiKeys).set(patch).where(eq(apiKeys.id, before.id)).returning();
    await writeAudit(tx, {
      accountId: ctx.accountId,
      actorUserId: ctx.actorUserId,
      actorKind: ctx.actorKind,
      action: "key.update",
      targetType: "api_key",
      targetId: before.id,
      data: { changes },
    });
    return updated;
  });
  await invalidateKey(row.id);
  return view(row);
}

/**
 * Issues a replacement key with the same settings and lets the old one keep working for
 * `graceHours` (0 = revoke now). The new key's lifetime credit limit is what the old key had
 * left at rotation time, so rotating never resets a spending limit.
 */
export async function rotateKey(db: DbOrTx, ctx: KeyContext, keyId: string, input: RotateKeyInput = {}): Promise<{ key: ApiKeyView; plaintext: string; previous: ApiKeyView }> {
  const { graceHours } = parse(rotateKeySchema, input);
  const plaintext = generateKey();
  const { prefix, last4 } = displayParts(plaintext);
  const now = new Date();
  const result = await db.transaction(async (tx) => {
    await assertAccountTakesKeys(tx, ctx.accountId);
    const old = await loadOwned(tx, ctx, keyId, true);
    const status = keyStatus(old, now);
    if (status === "revoked") throw new AppError("CONFLICT", "This key is revoked and cannot be rotated.");
    if (status === "grace") throw new AppError("CONFLICT", "This key was already rotated.");
    if (status === "expired") throw new AppError("CONFLICT", "This key has expired; create a new key instead.");
    const graceUntil = graceHours > 0 ? new Date(now.getTime() + graceHours * 3_600_000) : null;
    let creditLimit = old.creditLimitMicros;
    if (creditLimit !== null) {
      creditLimit -= old.spentMicros;
      if (creditLimit < BigInt(1)) creditLimit = BigInt(1); // schema requires > 0; effectively exhausted
    }
    const [created] = await tx
      .insert(apiKeys)
      .values({
        id: newId("key"),
        accountId: old.accountId,
        name: old.name,
        keyHash: hashKey(plaintext),
        prefix,
        last4,
        tier: old.tier,
        customRpm: old.customRpm,
        customRpd: old.customRpd,
        customConcurrency: old.customConcurrency,
        dailySpendCapMicros: old.dailySpendCapMicros,
        // Today's spend carries over, so a rotation does not reset the daily spend cap.
        spendDay: old.spendDay,
        spendDayMicros: old.spendDayMicros,
        creditLimitMicros: creditLimit,
        expiresAt: old.expiresAt,
        rotatedFrom: old.id,
        createdBy: ctx.actorUserId ?? null,
      })
      .returning();
    const [previous] = await tx.update(apiKeys).set({ revokedAt: now, graceUntil }).where(eq(apiKeys.id, old.id)).returning();
    await writeAudit(tx, {
      accountId: ctx.accountId,
      actorUserId: ctx.actorUserId,
      actorKind: ctx.actorKind,
      action: "key.rotate",
      targetType: "api_key",
      targetId: old.id,
      data: { newKeyId: created.id, graceUntil: graceUntil?.toISOString() ?? null, prefix },
    });
    return { created, previous };
  });
  await invalidateKey(keyId);
  await carryRateLimits(ctx.accountId, keyId, result.created.id);
  return { key: view(result.created), plaintext, previous: view(result.previous) };
}

/** Revokes at once (also ends a rotation grace period). Revoking a revoked key changes nothing. */
export async function revokeKey(db: DbOrTx, ctx: KeyContext, keyId: string): Promise<ApiKeyView> {
  const now = new Date();
  const row = await db.transaction(async (tx) => {
    const before = await loadOwned(tx, ctx, keyId, true);
    if (keyStatus(before, now) === "revoked") return before;
    const [updated] = await tx.update(apiKeys).set({ revokedAt: now, graceUntil: null }).where(eq(apiKeys.id, before.id)).returning();
    await writeAudit(tx, {
      accountId: ctx.accountId,
      actorUserId: ctx.actorUserId,
      actorKind: ctx.actorKind,
      action: "key.revoke",
      targetType: "api_key",
      targetId: before.id,
      data: { prefix: before.prefix, wasInGrace: keyStatus(before, now) === "grace" },
    });
    return updated;
  });
  await invalidateKey(row.id);
  return view(row);
}

export async function listKeys(db: DbOrTx, accountId: string): Promise<ApiKeyView[]> {
  const list = await db.select().from(apiKeys).where(eq(apiKeys.accountId, accountId)).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
  return list.map(view);
}

export async function getKey(db: DbOrTx, accountId: string, keyId: string): Promise<ApiKeyView> {
  return view(await loadOwned(db, { accountId, actorKind: "system" }, keyId, false));
}
