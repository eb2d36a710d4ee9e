// Suspension, termination and key revocation/rotation through their real entry points: the
// operator CLI (child processes) and the staff console actions, observed through the API over
// HTTP against the production build.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memberships, users } from "../../db/schema";
import { rows } from "../../lib/db";
import { newId } from "../../lib/ids";
import { setAccountStatusAction, staffRevokeKeyAction } from "../../app/(console)/staff/actions";
import { verifyLedger } from "../../lib/ledger";
import { fundedAccount, getJson, newKey, postJson, sleep, startGateway, type Gateway } from "../gateway/helpers";
import { runCli } from "./cli";

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ KEY_CACHE_TTL_MS: "5000" });
});
afterAll(async () => {
  await gw?.close();
});

// These tests poll the API every 100 ms to time the key cache; a standard key's 30 requests a
// minute would answer 429 before the cache expires.
const POLLING_TIER = { tier: "enterprise" } as const;

const cli = (args: string[], env: Record<string, string | undefined> = {}) => runCli(gw.t.url!, args, env);
const hasPg = () => Boolean(gw?.t.url);

async function ownedAccount(email: string, micros = BigInt(5_000_000)) {
  const { accountId } = await fundedAccount(gw.t, { micros });
  const userId = newId("user");
  await gw.t.db.insert(users).values({ id: userId, email });
  await gw.t.db.insert(memberships).values({ accountId, userId, role: "owner" });
  return { accountId, userId };
}

async function staffUser() {
  const userId = newId("user");
  await gw.t.db.insert(users).values({ id: userId, email: `${userId.toLowerCase()}@staff.test`, isStaff: true });
  return userId;
}

const chat = (key: string) => postJson(`${gw.base}/chat/completions`, key, { model: "mock-small", messages: [{ role: "user", content: "hi" }], max_tokens: 8 });

/** Polls until the API refuses with `status`; returns how long that took. */
async function untilStatus(key: string, status: number, limitMs: number): Promise<{ ms: number; body: Record<string, unknown> }> {
  const start = Date.now();
  for (;;) {
    const res = await getJson(`${gw.base}/models`, key);
    if (res.status === status) return { ms: Date.now() - start, body: (await res.json()) as Record<string, unknown> };
    await res.arrayBuffer();
    if (Date.now() - start > limitMs) throw new Error(`still ${res.status} after ${limitMs} ms`);
    await sleep(100);
  }
}

async function auditActions(accountId: string) {
  return (await rows<{ action: string; actor_kind: string }>(gw.t.db, sql`SELECT action, actor_kind FROM audit_log WHERE account_id = ${accountId} ORDER BY created_at, id`)).map((r) => `${r.actor_kind}:${r.action}`);
}

async function notices(accountId: string) {
  return rows<{ kind: string; title: string; body: string }>(gw.t.db, sql`SELECT kind, title, body FROM notifications WHERE account_id = ${accountId} ORDER BY created_at, id`);
}

describe("account:suspend / account:unsuspend (CLI)", () => {
  it("a suspended account's keys get 403 ACCOUNT_SUSPENDED within the 5 s cache bound, with no broadcast; lifting restores them", { timeout: 120_000 }, async () => {
    if (!hasPg()) return;
    const { accountId } = await ownedAccount("suspend-me@example.com");
    const { key } = await newKey(gw.t, accountId, POLLING_TIER);
    expect((await chat(key)).status).toBe(200);
    // Prime this instance's key cache, then suspend from a process that cannot broadcast (no Redis):
    // only the cache's TTL can bring the change here.
    expect((await getJson(`${gw.base}/models`, key)).status).toBe(200);
    const r = await cli(["account:suspend", "--email", "Suspend-Me@example.com", "--reason", "Unpaid invoice #12"], { REDIS_URL: undefined });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ account_id: accountId, status: "suspended", changed: true, revoked_key_ids: [] });
    const refused = await untilStatus(key, 403, 6_000);
    expect(refused.ms).toBeLessThanOrEqual(5_000);
    console.info(`[suspension] 403 after ${refused.ms} ms (cache TTL only, no broadcast)`);
    expect(refused.body).toMatchObject({ code: "ACCOUNT_SUSPENDED", status: 403, error: { type: "permission_error" } });
    expect(String((refused.body.error as { message: string }).message)).toContain("Unpaid invoice #12");
    const post = await chat(key);
    expect(post.status).toBe(403);
    // Repeating the suspension changes nothing (and writes no second audit row).
    expect(JSON.parse((await cli(["account:suspend", "--email", "suspend-me@example.com", "--reason", "Unpaid invoice #12"])).stdout)).toMatchObject({ changed: false });

    // Lifting it, with Redis: the broadcast evicts this instance's cache at once.
    const lift = await cli(["account:unsuspend", "--email", "suspend-me@example.com"]);
    expect(lift.code, lift.stderr).toBe(0);
    const back = await untilStatus(key, 200, 6_000);
    expect(back.ms).toBeLessThan(5_000);
    expect((await chat(key)).status).toBe(200);

    expect(await auditActions(accountId)).toEqual(["system:credit.grant", "system:key.create", "cli:account.suspend", "cli:account.unsuspend"]);
    expect((await notices(accountId)).map((n) => n.kind)).toEqual(["account_status", "account_status"]);
    expect((await notices(accountId))[0].body).toContain("Unpaid invoice #12");
  });

  it("a status change made by another instance whose broadcast is lost still applies here within 5 s (cache TTL)", { timeout: 30_000 }, async () => {
    const { accountId } = await ownedAccount(`ttl-${Date.now()}@example.com`);
    const { key } = await newKey(gw.t, accountId, POLLING_TIER);
    expect((await getJson(`${gw.base}/models`, key)).status).toBe(200); // cached here now
    // What another instance's suspendAccount commits, without its cache eviction reaching us.
    await gw.t.db.execute(sql`UPDATE accounts SET status = 'suspended', status_reason = 'ttl check' WHERE id = ${accountId}`);
    const refused = await untilStatus(key, 403, 6_000);
    console.info(`[suspension] 403 after ${refused.ms} ms with a primed cache and no eviction`);
    // The entry expires 5 s after it was primed (before the UPDATE); the poll sees it at most one
    // interval (100 ms) plus one request later.
    expect(refused.ms).toBeLessThanOrEqual(5_000 + 150);
    expect(refused.body).toMatchObject({ code: "ACCOUNT_SUSPENDED" });
  });

  it("refuses a missing reason, an unknown email and a user who owns no account", async () => {
    if (!hasPg()) return;
    await ownedAccount("suspend-bad@example.com");
    const bad = await Promise.all([
      cli(["account:suspend", "--email", "suspend-bad@example.com"]),
      cli(["account:suspend", "--email", "suspend-bad@example.com", "--reason", "   "]),
      cli(["account:suspend", "--email", "nobody@example.com", "--reason", "x"]),
      cli(["account:terminate", "--email", "suspend-bad@example.com"]),
    ]);
    for (const b of bad) {
      expect(b.code).not.toBe(0);
      expect(b.stderr).toMatch(/^error: /m);
    }
  });
});

describe("account:terminate (CLI)", () => {
  it("revokes every key (grace periods too), stops the API, keeps the balance, audits and notifies; it is final", { timeout: 120_000 }, async () => {
    if (!hasPg()) return;
    const { accountId } = await ownedAccount("terminate-me@example.com", BigInt(7_000_000));
    const a = await newKey(gw.t, accountId, POLLING_TIER);
    const b = await newKey(gw.t, accountId, POLLING_TIER);
    expect((await chat(a.key)).status).toBe(200);
    // b is mid-rotation: its old key is in a grace period.
    const rotated = await cli(["key:rotate", "--key-id", b.id, "--grace-hours", "2"]);
    const newB = JSON.parse(rotated.stdout) as { id: string; key: string };
    const [{ balance_micros: before }] = await rows<{ balance_micros: string }>(gw.t.db, sql`SELECT balance_micros::text FROM accounts WHERE id = ${accountId}`);

    const r = await cli(["account:terminate", "--email", "terminate-me@example.com", "--reason", "Abuse of the API terms"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ status: "terminated", changed: true, balance_micros: before });
    expect([...out.revoked_key_ids].sort()).toEqual([a.id, b.id, newB.id].sort());
    for (const k of [a.key, b.key, newB.key]) {
      const res = await getJson(`${gw.base}/models`, k);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: "KEY_REVOKED" });
    }
    const [{ balance_micros: after }] = await rows<{ balance_micros: string }>(gw.t.db, sql`SELECT balance_micros::text FROM accounts WHERE id = ${accountId}`);
    expect(after).toBe(before);
    expect((await verifyLedger(gw.t.db, accountId)).violations).toEqual([]);
    const n = await notices(accountId);
    expect(n.at(-1)?.title).toBe("Your account was terminated");
    expect(n.at(-1)?.body).toMatch(/kept for a refund/);
    expect((await auditActions(accountId)).filter((x) => x.startsWith("cli:account."))).toEqual(["cli:account.terminate"]);

    // Final: no unsuspend, no new keys, no rotation.
    expect((await cli(["account:unsuspend", "--email", "terminate-me@example.com"])).code).not.toBe(0);
    const create = await cli(["key:create", "--email", "terminate-me@example.com", "--name", "again"]);
    expect(create.code).not.toBe(0);
    expect(create.stderr).toMatch(/terminated/);
  });
});

describe("key:revoke / key:rotate (CLI)", () => {
  it("rotate prints the new key once; the old key works for the grace period only; revoke ends it at once", { timeout: 120_000 }, async () => {
    if (!hasPg()) return;
    const { accountId } = await ownedAccount("rotate-cli@example.com");
    const old = await newKey(gw.t, accountId, POLLING_TIER);
    const r = await cli(["key:rotate", "--key-id", old.id, "--grace-hours", "1"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { id: string; key: string; previous_id: string; previous_grace_until: string };
    expect(out.key).toMatch(/^tg_live_[0-9A-Za-z]{38}$/);
    expect(out.previous_id).toBe(old.id);
    expect(Math.abs(new Date(out.previous_grace_until).getTime() - Date.now() - 3_600_000)).toBeLessThan(60_000);
    // The plaintext is nowhere in the database, only its hash.
    const leaked = await rows(gw.t.db, sql`SELECT 1 FROM api_keys WHERE key_hash = ${out.key} OR prefix = ${out.key}`);
    expect(leaked).toEqual([]);
    expect((await chat(out.key)).status).toBe(200);
    expect((await chat(old.key)).status).toBe(200); // grace

    const rv = await cli(["key:revoke", "--key-id", old.id]);
    expect(rv.code, rv.stderr).toBe(0);
    expect(JSON.parse(rv.stdout)).toMatchObject({ id: old.id, account_id: accountId });
    const gone = await untilStatus(old.key, 401, 6_000);
    expect(gone.body).toMatchObject({ code: "KEY_REVOKED" });
    expect((await chat(out.key)).status).toBe(200);

    // Rotating without --grace-hours uses 24 h; 0 revokes at once.
    const zero = await cli(["key:rotate", "--key-id", out.id, "--grace-hours", "0"]);
    const z = JSON.parse(zero.stdout) as { key: string; previous_grace_until: string | null };
    expect(z.previous_grace_until).toBeNull();
    expect((await untilStatus(out.key, 401, 6_000)).body).toMatchObject({ code: "KEY_REVOKED" });
    expect((await chat(z.key)).status).toBe(200);

    expect((await auditActions(accountId)).filter((x) => x.startsWith("cli:"))).toEqual(["cli:key.rotate", "cli:key.revoke", "cli:key.rotate"]);
  });

  it("refuses unknown, malformed and already-revoked keys with a clear error", async () => {
    if (!hasPg()) return;
    const { accountId } = await ownedAccount("rotate-bad@example.com");
    const k = await newKey(gw.t, accountId, POLLING_TIER);
    await cli(["key:revoke", "--key-id", k.id]);
    const bad = await Promise.all([
      cli(["key:revoke", "--key-id", "key_doesnotexist"]),
      cli(["key:revoke", "--key-id", "'; DROP TABLE api_keys; --"]),
      cli(["key:rotate", "--key-id", k.id]),
      cli(["key:rotate", "--key-id", k.id, "--grace-hours", "-3"]),
      cli(["key:rotate"]),
    ]);
    for (const b of bad) {
      expect(b.code).not.toBe(0);
      expect(b.stderr).toMatch(/^error: /m);
    }
    expect(bad[0].stderr).toMatch(/not found/);
    expect(bad[2].stderr).toMatch(/revoked/);
  });
});

describe("staff console", () => {
  it("staff suspend, lift and terminate from the account page; only staff may; the reason is required", { timeout: 60_000 }, async () => {
    const { accountId, userId: ownerId } = await ownedAccount(`staff-target-${Date.now()}@example.com`);
    const { key } = await newKey(gw.t, accountId, POLLING_TIER);
    const staffId = await staffUser();

    const notStaff = await setAccountStatusAction.runAs({ userId: ownerId }, { accountId, op: "suspend", reason: "nope" });
    expect(notStaff).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    const noReason = await setAccountStatusAction.runAs({ userId: staffId }, { accountId, op: "suspend" });
    expect(noReason).toMatchObject({ ok: false, error: { code: "VALIDATION", fieldErrors: { reason: [expect.any(String)] } } });

    expect(await setAccountStatusAction.runAs({ userId: staffId }, { accountId, op: "suspend", reason: "Fraud review" })).toMatchObject({ ok: true, data: { status: "suspended", changed: true } });
    expect((await untilStatus(key, 403, 6_000)).body).toMatchObject({ code: "ACCOUNT_SUSPENDED" });
    expect(await setAccountStatusAction.runAs({ userId: staffId }, { accountId, op: "unsuspend" })).toMatchObject({ ok: true, data: { status: "active" } });
    expect((await untilStatus(key, 200, 6_000)).ms).toBeLessThan(5_000);
    expect(await setAccountStatusAction.runAs({ userId: staffId }, { accountId, op: "terminate", reason: "Confirmed fraud" })).toMatchObject({ ok: true, data: { status: "terminated", revokedKeys: 1 } });
    expect((await untilStatus(key, 401, 6_000)).body).toMatchObject({ code: "KEY_REVOKED" });
    const audit = await rows<{ action: string; actor_user_id: string }>(gw.t.db, sql`SELECT action, actor_user_id FROM audit_log WHERE account_id = ${accountId} AND actor_kind = 'staff' ORDER BY created_at, id`);
    expect(audit).toEqual([
      { action: "account.suspend", actor_user_id: staffId },
      { action: "account.unsuspend", actor_user_id: staffId },
      { action: "account.terminate", actor_user_id: staffId },
    ]);
  });

  it("staff revoke any key of the account; a key id paired with another account is not found", async () => {
    const { accountId, userId: ownerId } = await ownedAccount(`staff-keys-${Date.now()}@example.com`);
    const other = await ownedAccount(`staff-keys-other-${Date.now()}@example.com`);
    const k = await newKey(gw.t, accountId, POLLING_TIER);
    const staffId = await staffUser();
    expect(await staffRevokeKeyAction.runAs({ userId: ownerId }, { accountId, keyId: k.id })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await staffRevokeKeyAction.runAs({ userId: staffId }, { accountId: other.accountId, keyId: k.id })).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    expect((await getJson(`${gw.base}/models`, k.key)).status).toBe(200);
    expect(await staffRevokeKeyAction.runAs({ userId: staffId }, { accountId, keyId: k.id })).toMatchObject({ ok: true, data: { id: k.id } });
    expect((await untilStatus(k.key, 401, 6_000)).body).toMatchObject({ code: "KEY_REVOKED" });
    const [audit] = await rows<{ actor_kind: string; actor_user_id: string }>(gw.t.db, sql`SELECT actor_kind, actor_user_id FROM audit_log WHERE target_id = ${k.id} AND action = 'key.revoke'`);
    expect(audit).toEqual({ actor_kind: "staff", actor_user_id: staffId });
  });
});
