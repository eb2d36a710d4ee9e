// Account closure, data export, erasure and user self-deletion: the console actions, the export
// (its route is driven by e2e/console/closure.spec.ts), the daily erasure job (scheduler tick).
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeAccountAction, deleteMyUserAction } from "@/app/(console)/account/actions";
import { accounts, disputes, invitations, memberships, requests, users } from "@/db/schema";
import { rows } from "@/lib/db";
import { exportAccountData } from "@/lib/accounts/export";
import { resetEnvCache } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { createScheduler } from "@/lib/jobs/scheduler";
import { createKey } from "@/lib/keys";
import { authenticateApiKey } from "@/lib/keys/auth";
import { loadSessionUser } from "@/lib/auth/session";
import { creditAccount, placeHold, settle, verifyLedger } from "@/lib/ledger";
import { createTestDb, type TestDb } from "../helpers/db";

const AUTH_SECRET = "test-auth-secret-closure-0123456789abcdef";
let t: TestDb;

beforeAll(async () => {
  Object.assign(process.env, { AUTH_SECRET, NEXTAUTH_SECRET: AUTH_SECRET });
  resetEnvCache();
  t = await createTestDb();
});
afterAll(async () => {
  await t?.dispose();
});

async function person(email: string, name = "Ada Lovelace") {
  const userId = newId("user");
  await t.db.insert(users).values({ id: userId, email, name, termsVersion: null });
  return userId;
}

async function fixture() {
  const accountId = newId("account");
  await t.db.insert(accounts).values({ id: accountId, name: "Ada's Engines" });
  const owner = await person(`owner-${accountId.toLowerCase()}@example.com`);
  const member = await person(`member-${accountId.toLowerCase()}@example.com`, "Charles Babbage");
  await t.db.insert(memberships).values([
    { accountId, userId: owner, role: "owner" },
    { accountId, userId: member, role: "member" },
  ]);
  await t.db.insert(invitations).values({ id: newId("invitation"), accountId, email: `invitee-${accountId.toLowerCase()}@example.com`, role: "member", invitedBy: owner, expiresAt: new Date(Date.now() + 7 * 86_400_000) });
  await creditAccount(t.db, { accountId, kind: "grant", amountMicros: 3_000_000n, actor: { kind: "system" } });
  const { key, plaintext } = await createKey(t.db, { accountId, actorKind: "user", actorUserId: owner }, { name: "prod" });
  const requestId = newId("request");
  const hold = await placeHold(t.db, { accountId, keyId: key.id, requestId, minMicros: 1_000n, maxMicros: 1_000n });
  if (!hold.ok) throw new Error("hold");
  await settle(t.db, { holdId: hold.holdId, chargeMicros: 800n });
  await t.db.insert(requests).values({ id: requestId, accountId, keyId: key.id, endpoint: "chat.completions", statusCode: 200, clientIpHash: "deadbeefhash" });
  await t.db.insert(disputes).values({ id: newId("dispute"), accountId, openedBy: owner, requestId, reason: "Answer was cut off", status: "open" });
  return { accountId, owner, member, key, plaintext, requestId };
}


describe("data export", () => {
  it("the owner downloads profile, members, key metadata (no hashes), ledger, requests, disputes, notifications", async () => {
    const f = await fixture();
    const data = (await exportAccountData(t.db, { userId: f.owner, accountId: f.accountId })) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const text = JSON.stringify(data);
    expect(data.account).toMatchObject({ id: f.accountId, name: "Ada's Engines", balanceMicros: "2999200", status: "active" });
    expect(data.members.map((m: { role: string }) => m.role).sort()).toEqual(["member", "owner"]);
    expect(data.apiKeys).toEqual([expect.objectContaining({ id: f.key.id, name: "prod", prefix: f.key.prefix })]);
    expect(text).not.toContain(f.plaintext);
    expect(text).not.toMatch(/keyHash|key_hash/);
    expect(data.ledger.map((e: { type: string }) => e.type)).toEqual(["grant", "charge"]);
    expect(data.requests.map((r: { id: string }) => r.id)).toEqual([f.requestId]);
    expect(data.disputes[0]).toMatchObject({ reason: "Answer was cut off", messages: [] });
    expect(Array.isArray(data.notifications)).toBe(true);
    const [audit] = await rows<{ actor_user_id: string }>(t.db, sql`SELECT actor_user_id FROM audit_log WHERE account_id = ${f.accountId} AND action = 'account.export'`);
    expect(audit.actor_user_id).toBe(f.owner);
  });

  it("members and owners of other accounts get no export", async () => {
    const f = await fixture();
    const other = await fixture();
    const code = (p: Promise<unknown>) => p.then(() => "ok", (e: unknown) => (e instanceof AppError ? e.code : String(e)));
    expect(await code(exportAccountData(t.db, { userId: f.member, accountId: f.accountId }))).toBe("FORBIDDEN");
    expect(await code(exportAccountData(t.db, { userId: other.owner, accountId: f.accountId }))).toBe("FORBIDDEN");
  });
});

describe("closure, erasure, self-deletion", () => {
  it("the owner closes: keys revoked, balance kept with refund instructions; a week later personal data is tombstoned, the ledger kept", async () => {
    const f = await fixture();
    expect(await closeAccountAction.runAs({ userId: f.member, accountId: f.accountId }, { confirm: "CLOSE" })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await closeAccountAction.runAs({ userId: f.owner, accountId: f.accountId }, { confirm: "close" })).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    const closed = await closeAccountAction.runAs({ userId: f.owner, accountId: f.accountId }, { confirm: "CLOSE" });
    expect(closed).toMatchObject({ ok: true, data: { status: "closed", balanceMicros: "2999200", revokedKeys: 1, refundHowTo: expect.stringContaining(f.accountId) } });
    await expect(authenticateApiKey(f.plaintext)).rejects.toMatchObject({ code: "KEY_REVOKED" });
    expect((await closeAccountAction.runAs({ userId: f.owner, accountId: f.accountId }, { confirm: "CLOSE" })).ok).toBe(true); // idempotent
    const ledgerBefore = await rows(t.db, sql`SELECT id, type, amount_micros, balance_after_micros FROM ledger_entries WHERE account_id = ${f.accountId} ORDER BY seq`);

    const scheduler = createScheduler({ handle: async () => t, log: () => undefined, catchUpOnStart: false });
    try {
      await scheduler.tick(new Date(Date.now() + 2 * 86_400_000 + 60_000)); // too early: kept
      expect((await rows(t.db, sql`SELECT 1 FROM accounts WHERE id = ${f.accountId} AND erased_at IS NULL`)).length).toBe(1);
    } finally {
      scheduler.stop();
    }
    const later = createScheduler({ handle: async () => t, log: () => undefined, catchUpOnStart: false });
    try {
      const day8 = new Date(Date.now() + 8 * 86_400_000);
      day8.setUTCHours(0, 10, 0, 0);
      await later.tick(day8);
    } finally {
      later.stop();
    }
    const [acct] = await rows<{ name: string; erased_at: Date | null; balance_micros: string }>(t.db, sql`SELECT name, erased_at, balance_micros::text FROM accounts WHERE id = ${f.accountId}`);
    expect(acct.name).toBe("Erased account");
    expect(acct.erased_at).not.toBeNull();
    expect(acct.balance_micros).toBe("2999200");
    const people = await rows<{ email: string; name: string | null; deleted_at: Date | null }>(t.db, sql`SELECT email, name, deleted_at FROM users WHERE id IN (${f.owner}, ${f.member}) ORDER BY email`);
    for (const p of people) {
      expect(p.email).toMatch(/^erased\+usr_.*@erased\.invalid$/);
      expect(p.name).toBeNull();
      expect(p.deleted_at).not.toBeNull();
    }
    expect((await rows<{ email: string }>(t.db, sql`SELECT email FROM invitations WHERE account_id = ${f.accountId}`))[0].email).toMatch(/@erased\.invalid$/);
    expect((await rows<{ h: string | null }>(t.db, sql`SELECT client_ip_hash AS h FROM requests WHERE id = ${f.requestId}`))[0].h).toBeNull();
    expect(await rows(t.db, sql`SELECT id, type, amount_micros, balance_after_micros FROM ledger_entries WHERE account_id = ${f.accountId} ORDER BY seq`)).toEqual(ledgerBefore);
    expect((await verifyLedger(t.db, f.accountId)).violations).toEqual([]);
    expect(await loadSessionUser(t.db, f.owner)).toBeNull();
  });

  it("a user deletes their own user record only once they own no open account", async () => {
    const f = await fixture();
    const refused = await deleteMyUserAction.runAs({ userId: f.owner, accountId: f.accountId }, { confirm: "DELETE" });
    expect(refused).toMatchObject({ ok: false, error: { code: "CONFLICT", message: expect.stringContaining("open account") } });
    // A plain member owns nothing: they may leave for good right away.
    const gone = await deleteMyUserAction.runAs({ userId: f.member, accountId: f.accountId }, { confirm: "DELETE" });
    expect(gone).toMatchObject({ ok: true, data: { userId: f.member } });
    const [m] = await rows<{ email: string; name: string | null; password_hash: string | null }>(t.db, sql`SELECT email, name, password_hash FROM users WHERE id = ${f.member}`);
    expect(m).toEqual({ email: `erased+${f.member.toLowerCase()}@erased.invalid`, name: null, password_hash: null });
    expect(await rows(t.db, sql`SELECT 1 FROM memberships WHERE user_id = ${f.member}`)).toEqual([]);
    expect(await loadSessionUser(t.db, f.member)).toBeNull();
    // Close first, then the owner can go.
    await closeAccountAction.runAs({ userId: f.owner, accountId: f.accountId }, { confirm: "CLOSE" });
    expect(await deleteMyUserAction.runAs({ userId: f.owner, accountId: f.accountId }, { confirm: "DELETE" })).toMatchObject({ ok: true });
    expect(await loadSessionUser(t.db, f.owner)).toBeNull();
  });
});
