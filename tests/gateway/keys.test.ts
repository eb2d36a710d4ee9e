// API key format and management service (used by the console and the CLI), plus the CLI command.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiKeys, auditLog } from "../../db/schema";
import { AppError } from "../../lib/errors";
import { createKey, generateKey, isWellFormedKey, listKeys, revokeKey, rotateKey, updateKey, keyStatus } from "../../lib/keys";
import { createTestDb, type TestDb } from "../helpers/db";
import { fundedAccount } from "./helpers";

const run = promisify(execFile);
let t: TestDb;
let a: string;
let b: string;

beforeAll(async () => {
  t = await createTestDb();
  a = (await fundedAccount(t, { micros: BigInt(0) })).accountId;
  b = (await fundedAccount(t, { micros: BigInt(0) })).accountId;
});
afterAll(async () => {
  await t?.dispose();
});

const ctxA = () => ({ accountId: a, actorKind: "user" as const });

async function expectCode(p: Promise<unknown>, code: string, param?: string) {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(code);
  if (param) expect((e as AppError).param).toBe(param);
}

describe("key format", () => {
  it("generates tg_live_ + 32 base62 + 6-char checksum that validates", () => {
    for (let i = 0; i < 200; i++) {
      const k = generateKey();
      expect(k).toMatch(/^tg_live_[0-9A-Za-z]{38}$/);
      expect(isWellFormedKey(k)).toBe(true);
    }
  });

  it("rejects a flipped character, wrong prefix, wrong length and garbage", () => {
    const k = generateKey();
    const i = 10;
    const flipped = k.slice(0, i) + (k[i] === "a" ? "b" : "a") + k.slice(i + 1);
    expect(isWellFormedKey(flipped)).toBe(false);
    expect(isWellFormedKey(k.replace("tg_live_", "tg_test_"))).toBe(false);
    expect(isWellFormedKey(k + "x")).toBe(false);
    expect(isWellFormedKey(k.slice(0, -1))).toBe(false);
    expect(isWellFormedKey("")).toBe(false);
    expect(isWellFormedKey("tg_live_" + "!".repeat(38))).toBe(false);
    // Checksum tampering: a random body with the checksum of another key.
    const other = generateKey();
    expect(isWellFormedKey(k.slice(0, 40) + other.slice(40))).toBe(other.slice(40) === k.slice(40));
  });
});

describe("key service", () => {
  it("stores only the SHA-256 hash, prefix and last 4, and audits in the same transaction", async () => {
    const { key, plaintext } = await createKey(t.db, { accountId: a, actorKind: "user" }, { name: "  prod  ", tier: "enhanced", dailySpendCapMicros: "5000000", creditLimitMicros: BigInt(9_000_000) });
    expect(isWellFormedKey(plaintext)).toBe(true);
    expect(key).not.toHaveProperty("keyHash");
    const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(row.keyHash).toBe(createHash("sha256").update(plaintext).digest("hex"));
    expect(row.prefix).toBe(plaintext.slice(0, 12));
    expect(row.last4).toBe(plaintext.slice(-4));
    expect(row.name).toBe("prod");
    expect(row.tier).toBe("enhanced");
    expect(row.dailySpendCapMicros).toBe(BigInt(5_000_000));
    const audits = await t.db.select().from(auditLog).where(and(eq(auditLog.targetId, key.id), eq(auditLog.action, "key.create")));
    expect(audits).toHaveLength(1);
    expect(JSON.stringify(audits[0].data)).not.toContain(plaintext);
    expect(JSON.stringify(audits[0].data)).not.toContain(row.keyHash);
  });

  it("validates input with the field path", async () => {
    await expectCode(createKey(t.db, ctxA(), { name: "" }), "INVALID_REQUEST", "name");
    await expectCode(createKey(t.db, ctxA(), { name: "x", tier: "gold" as never }), "INVALID_REQUEST", "tier");
    await expectCode(createKey(t.db, ctxA(), { name: "x", customRpm: 0 }), "INVALID_REQUEST", "customRpm");
    await expectCode(createKey(t.db, ctxA(), { name: "x", dailySpendCapMicros: -5 }), "INVALID_REQUEST", "dailySpendCapMicros");
    await expectCode(createKey(t.db, ctxA(), { name: "x", expiresAt: new Date(Date.now() - 1000) }), "INVALID_REQUEST", "expiresAt");
  });

  it("is scoped to the account: another account's key is NOT_FOUND for every mutation", async () => {
    const { key } = await createKey(t.db, { accountId: b, actorKind: "user" }, { name: "b's key" });
    await expectCode(updateKey(t.db, ctxA(), key.id, { tier: "enterprise" }), "NOT_FOUND");
    await expectCode(rotateKey(t.db, ctxA(), key.id), "NOT_FOUND");
    await expectCode(revokeKey(t.db, ctxA(), key.id), "NOT_FOUND");
    await expectCode(updateKey(t.db, ctxA(), "not-a-key-id", { tier: "enterprise" }), "NOT_FOUND");
    expect((await listKeys(t.db, a)).map((k) => k.id)).not.toContain(key.id);
    const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(row.tier).toBe("standard");
    expect(row.revokedAt).toBeNull();
  });

  it("updates tier/caps (null clears) with an audit row of the changes; no-op writes nothing", async () => {
    const { key } = await createKey(t.db, ctxA(), { name: "upd", dailySpendCapMicros: 100 });
    const updated = await updateKey(t.db, ctxA(), key.id, { tier: "professional", dailySpendCapMicros: null, customRpm: 77 });
    expect(updated).toMatchObject({ tier: "professional", dailySpendCapMicros: null, customRpm: 77 });
    await updateKey(t.db, ctxA(), key.id, { tier: "professional" });
    const audits = await t.db.select().from(auditLog).where(and(eq(auditLog.targetId, key.id), eq(auditLog.action, "key.update")));
    expect(audits).toHaveLength(1);
    expect(audits[0].data).toMatchObject({ changes: { tier: { from: "standard", to: "professional" } } });
    await expectCode(updateKey(t.db, ctxA(), key.id, {}), "INVALID_REQUEST");
  });

  it("rotates: new key keeps settings (remaining credit limit), old key in grace; cannot rotate twice", async () => {
    const { key } = await createKey(t.db, ctxA(), { name: "rot", tier: "enterprise", customRpm: 500, creditLimitMicros: 1_000_000 });
    await t.db.update(apiKeys).set({ spentMicros: BigInt(400_000) }).where(eq(apiKeys.id, key.id));
    const r = await rotateKey(t.db, ctxA(), key.id, { graceHours: 2 });
    expect(isWellFormedKey(r.plaintext)).toBe(true);
    expect(r.key).toMatchObject({ rotatedFrom: key.id, tier: "enterprise", customRpm: 500, creditLimitMicros: BigInt(600_000), name: "rot" });
    expect(keyStatus(r.previous)).toBe("grace");
    expect(r.previous.graceUntil!.getTime() - Date.now()).toBeGreaterThan(2 * 3600_000 - 60_000);
    await expectCode(rotateKey(t.db, ctxA(), key.id), "CONFLICT");
    const revoked = await revokeKey(t.db, ctxA(), key.id);
    expect(keyStatus(revoked)).toBe("revoked");
    expect(revoked.graceUntil).toBeNull();
    // Revoking again changes nothing and audits nothing.
    await revokeKey(t.db, ctxA(), key.id);
    const audits = await t.db.select().from(auditLog).where(and(eq(auditLog.targetId, key.id), eq(auditLog.action, "key.revoke")));
    expect(audits).toHaveLength(1);
  });

  it("creates keys concurrently without collisions", async () => {
    const made = await Promise.all(Array.from({ length: 20 }, (_, i) => createKey(t.db, ctxA(), { name: `k${i}` })));
    expect(new Set(made.map((m) => m.plaintext)).size).toBe(20);
  });
});

describe("CLI key:create", () => {
  it("prints { id, key, account_id } for a user's account; rejects --tier with --rpm", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    let dir: string | undefined;
    if (t.url) env.DATABASE_URL = t.url;
    else {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "tg-cli-"));
      env.DATA_DIR = dir;
      delete env.DATABASE_URL;
    }
    delete env.REDIS_URL;
    const cli = (args: string[]) => run(path.join("node_modules", ".bin", "tsx"), ["scripts/tollgate.ts", ...args], { env, cwd: process.cwd() });
    try {
      const email = `cli-${Date.now()}@example.com`;
      // Flag validation fails before touching the database, so it can run alongside.
      const [createdOut, bad] = await Promise.all([
        cli(["user:create", "--email", email, "--password", "correct horse battery"]),
        cli(["key:create", "--email", email, "--name", "x", "--tier", "enhanced", "--rpm", "5"]).catch((e: { code: number; stderr: string }) => e),
      ]);
      expect((bad as { code: number }).code).not.toBe(0);
      expect((bad as { stderr: string }).stderr).toMatch(/either --tier or --rpm/);
      const created = JSON.parse(createdOut.stdout) as { account_id: string };
      const out = JSON.parse((await cli(["key:create", "--email", email, "--name", "ci", "--rpm", "1000"])).stdout) as Record<string, string>;
      expect(Object.keys(out).sort()).toEqual(["account_id", "id", "key"]);
      expect(out.account_id).toBe(created.account_id);
      expect(isWellFormedKey(out.key)).toBe(true);
      if (t.url) {
        const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, out.id));
        expect(row.customRpm).toBe(1000);
        const nouser = await cli(["key:create", "--email", "nobody@example.com", "--name", "x"]).catch((e: { code: number; stderr: string }) => e);
        expect((nouser as { stderr: string }).stderr).toMatch(/no user/);
      }
    } finally {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
