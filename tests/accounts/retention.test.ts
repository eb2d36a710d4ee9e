// Retention through its real entry points: `npm run tollgate -- retention:purge` (a child process)
// and the scheduler's daily tick; the audit log's append-only trigger straight against PostgreSQL.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, disputes, requests } from "@/db/schema";
import { writeAudit } from "@/lib/audit";
import { rows } from "@/lib/db";
import { newId } from "@/lib/ids";
import { createScheduler } from "@/lib/jobs/scheduler";
import { creditAccount, placeHold, settle, verifyLedger } from "@/lib/ledger";
import { createTestDb, type TestDb } from "../helpers/db";
import { makeKey, makeUserWithAccount, USD } from "../ledger/fixtures";
import { runCli } from "./cli";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.dispose();
});

const DAY = 86_400_000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY);

/** A settled call: hold + charge entry through the ledger, and its request row dated `at`. */
async function call(accountId: string, keyId: string, at: Date): Promise<{ requestId: string; entryId: string }> {
  const requestId = newId("request");
  const hold = await placeHold(t.db, { accountId, keyId, requestId, minMicros: 1_000n, maxMicros: 1_000n });
  if (!hold.ok) throw new Error("hold refused");
  await settle(t.db, { holdId: hold.holdId, chargeMicros: 700n });
  await t.db.insert(requests).values({ id: requestId, accountId, keyId, model: "mock-small", endpoint: "chat.completions", statusCode: 200, costMicros: 700n, createdAt: at, clientIpHash: "iphash" });
  const [e] = await rows<{ id: string }>(t.db, sql`SELECT id FROM ledger_entries WHERE request_id = ${requestId} AND type = 'charge'`);
  return { requestId, entryId: e.id };
}

async function exists(table: "requests" | "audit_log", id: string): Promise<boolean> {
  const r = await rows(t.db, table === "requests" ? sql`SELECT 1 FROM requests WHERE id = ${id}` : sql`SELECT 1 FROM audit_log WHERE id = ${id}`);
  return r.length > 0;
}

async function oldAudit(accountId: string, ageDays: number): Promise<string> {
  const id = newId("audit");
  await t.db.insert(auditLog).values({ id, accountId, actorKind: "system", action: "test.old", createdAt: daysAgo(ageDays) });
  return id;
}

const appendOnly = (e: unknown) => /audit_log is append-only/.test(String((e as { cause?: unknown }).cause ?? e) + String((e as Error).message));

describe.skipIf(!process.env.DATABASE_URL)("retention:purge (CLI)", () => {
  it("deletes old request metadata and audit rows, keeps rows of open disputes and every ledger entry; ledger:verify stays clean", { timeout: 120_000 }, async () => {
    const { accountId, userId } = await makeUserWithAccount(t.db, "retention@example.com");
    const keyId = await makeKey(t.db, accountId);
    await creditAccount(t.db, { accountId, kind: "grant", amountMicros: 5n * USD, actor: { kind: "system" } });
    const old = await call(accountId, keyId, daysAgo(120));
    const recent = await call(accountId, keyId, daysAgo(10));
    const disputedCharge = await call(accountId, keyId, daysAgo(100)); // its charge entry is disputed
    const disputedRequest = await call(accountId, keyId, daysAgo(95)); // the dispute names the request
    const closedDispute = await call(accountId, keyId, daysAgo(100));
    const openId = newId("dispute");
    const reviewId = newId("dispute");
    await t.db.insert(disputes).values([
      { id: openId, accountId, openedBy: userId, ledgerEntryId: disputedCharge.entryId, reason: "wrong answer", status: "open" },
      { id: reviewId, accountId, openedBy: userId, requestId: disputedRequest.requestId, reason: "timeout", status: "under_review" },
      { id: newId("dispute"), accountId, openedBy: userId, ledgerEntryId: closedDispute.entryId, reason: "old", status: "rejected" },
    ]);
    const auditOld = await oldAudit(accountId, 91);
    const auditRecent = await oldAudit(accountId, 80);
    const entriesBefore = await rows(t.db, sql`SELECT id, request_id FROM ledger_entries WHERE account_id = ${accountId} ORDER BY seq`);

    const r = await runCli(t.url!, ["retention:purge"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ requests_deleted: 2, audit_deleted: 1 });
    expect(await exists("requests", old.requestId)).toBe(false);
    expect(await exists("requests", closedDispute.requestId)).toBe(false);
    expect(await exists("requests", recent.requestId)).toBe(true);
    expect(await exists("requests", disputedCharge.requestId)).toBe(true);
    expect(await exists("requests", disputedRequest.requestId)).toBe(true);
    expect(await exists("audit_log", auditOld)).toBe(false);
    expect(await exists("audit_log", auditRecent)).toBe(true);
    // The books are untouched: same entries, request ids still there as text.
    expect(await rows(t.db, sql`SELECT id, request_id FROM ledger_entries WHERE account_id = ${accountId} ORDER BY seq`)).toEqual(entriesBefore);
    expect((await verifyLedger(t.db)).violations).toEqual([]);
    const [purgeAudit] = await rows<{ data: { requestsDeleted: number; auditDeleted: number } }>(t.db, sql`SELECT data FROM audit_log WHERE action = 'retention.purge'`);
    expect(purgeAudit.data).toMatchObject({ requestsDeleted: 2, auditDeleted: 1 });

    // Once the disputes close, the next run removes their requests too.
    await t.db.execute(sql`UPDATE disputes SET status = 'rejected' WHERE id IN (${openId}, ${reviewId})`);
    const again = await runCli(t.url!, ["retention:purge"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ requests_deleted: 2, audit_deleted: 0 });
    expect(await exists("requests", disputedCharge.requestId)).toBe(false);
    expect((await verifyLedger(t.db)).violations).toEqual([]);
  });

  it("honours REQUEST_LOG_RETENTION_DAYS and AUDIT_LOG_RETENTION_DAYS, and refuses nonsense values", { timeout: 120_000 }, async () => {
    const { accountId } = await makeUserWithAccount(t.db, "retention-env@example.com");
    const keyId = await makeKey(t.db, accountId);
    await creditAccount(t.db, { accountId, kind: "grant", amountMicros: USD, actor: { kind: "system" } });
    const fiveDays = await call(accountId, keyId, daysAgo(5));
    const audit = await oldAudit(accountId, 5);
    const r = await runCli(t.url!, ["retention:purge"], { REQUEST_LOG_RETENTION_DAYS: "3", AUDIT_LOG_RETENTION_DAYS: "4" });
    expect(r.code, r.stderr).toBe(0);
    expect(await exists("requests", fiveDays.requestId)).toBe(false);
    expect(await exists("audit_log", audit)).toBe(false);
    const bad = await runCli(t.url!, ["retention:purge"], { REQUEST_LOG_RETENTION_DAYS: "0" });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/REQUEST_LOG_RETENTION_DAYS/);
  });
});

describe("daily job", () => {
  it("the scheduler runs retention:purge once per UTC day", async () => {
    const { accountId } = await makeUserWithAccount(t.db, "retention-daily@example.com");
    const audit = await oldAudit(accountId, 200);
    const scheduler = createScheduler({ handle: async () => t, log: () => undefined, catchUpOnStart: false });
    try {
      await scheduler.tick(new Date(Date.UTC(2026, 11, 3, 0, 1))); // before 00:05: not due
      expect(await exists("audit_log", audit)).toBe(true);
      await scheduler.tick(new Date(Date.UTC(2026, 11, 3, 0, 6)));
      expect(await exists("audit_log", audit)).toBe(false);
    } finally {
      scheduler.stop();
    }
  });
});

describe("audit log is append-only in the database", () => {
  it("UPDATE is always rejected; DELETE and TRUNCATE too, except the purge path for rows past the cut-off", async () => {
    const { accountId } = await makeUserWithAccount(t.db, "append-only@example.com");
    await t.db.transaction((tx) => writeAudit(tx, { accountId, actorKind: "system", action: "test.recent" }));
    const [recent] = await rows<{ id: string }>(t.db, sql`SELECT id FROM audit_log WHERE account_id = ${accountId} AND action = 'test.recent'`);
    const old = await oldAudit(accountId, 400);
    await expect(t.db.execute(sql`UPDATE audit_log SET action = 'forged' WHERE id = ${recent.id}`)).rejects.toSatisfy(appendOnly);
    await expect(t.db.execute(sql`UPDATE audit_log SET action = 'forged' WHERE id = ${old}`)).rejects.toSatisfy(appendOnly);
    await expect(t.db.execute(sql`DELETE FROM audit_log WHERE id = ${old}`)).rejects.toSatisfy(appendOnly);
    await expect(t.db.execute(sql`TRUNCATE audit_log`)).rejects.toSatisfy(appendOnly);
    // Even inside the purge path's setting, UPDATE stays refused and recent rows cannot be deleted.
    const inPurge = (stmt: ReturnType<typeof sql>) =>
      t.db.transaction(async (tx) => {
        await tx.execute(sql`SELECT set_config('tollgate.audit_purge_before', ${new Date().toISOString()}, true)`);
        await tx.execute(stmt);
      });
    await expect(inPurge(sql`UPDATE audit_log SET action = 'forged' WHERE id = ${old}`)).rejects.toSatisfy(appendOnly);
    await t.db.execute(sql`SELECT set_config('tollgate.audit_purge_before', ${daysAgo(1).toISOString()}, true)`); // outside a tx: gone at once
    await expect(t.db.execute(sql`DELETE FROM audit_log WHERE id = ${old}`)).rejects.toSatisfy(appendOnly);
    await expect(
      t.db.transaction(async (tx) => {
        await tx.execute(sql`SELECT set_config('tollgate.audit_purge_before', ${daysAgo(30).toISOString()}, true)`);
        await tx.execute(sql`DELETE FROM audit_log WHERE id = ${recent.id}`);
      }),
    ).rejects.toSatisfy(appendOnly);
    expect(await exists("audit_log", recent.id)).toBe(true);
    expect(await exists("audit_log", old)).toBe(true);
  });
});
