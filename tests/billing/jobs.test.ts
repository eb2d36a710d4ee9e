// Background jobs: expiry reminders (30/7 days, deduplicated), daily expiry, low-balance alerts
// (once per crossing), email delivery through a real SMTP conversation, the scheduler and the
// cross-instance job lock.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import pg from "pg";
import { rows } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { setLowBalanceThreshold } from "@/lib/billing";
import { creditAccount, placeHold, settle, verifyLedger } from "@/lib/ledger";
import { createNotification } from "@/lib/notifications";
import { sendExpiryReminders, sendLowBalanceAlerts } from "@/lib/notifications/credit-alerts";
import { deliverNotificationEmails } from "@/lib/notifications/email";
import { jobLockKey } from "@/lib/jobs/lock";
import { runJob } from "@/lib/jobs/registry";
import { createScheduler, dailyDue } from "@/lib/jobs/scheduler";
import { commands } from "@/scripts/cli/commands/billing";
import { createTestDb, type TestDb } from "../helpers/db";
import { makeAccount, makeUser } from "./helpers/fixtures";
import { startSmtpStandIn, type SmtpStandIn } from "./helpers/smtp-standin";

const DAY = 86_400_000;
let t: TestDb;
let smtp: SmtpStandIn;
const savedEnv = { ...process.env };

beforeAll(async () => {
  smtp = await startSmtpStandIn();
  t = await createTestDb();
});
afterEach(() => {
  process.env = { ...savedEnv };
  resetEnvCache();
});
afterAll(async () => {
  await smtp?.close();
  await t?.dispose();
});

async function notificationsOf(accountId: string) {
  return rows<{ kind: string; title: string; body: string; dedupe_key: string; emailed_at: Date | null }>(
    t.db,
    sql`SELECT kind, title, body, dedupe_key, emailed_at FROM notifications WHERE account_id = ${accountId} ORDER BY created_at, dedupe_key`,
  );
}

async function spend(accountId: string, micros: bigint) {
  const hold = await placeHold(t.db, { accountId, requestId: `req_job_${Math.random().toString(36).slice(2, 14)}`, minMicros: micros, maxMicros: micros });
  if (!hold.ok) throw new Error(hold.code);
  await settle(t.db, { holdId: hold.holdId, chargeMicros: micros });
}

describe("credit expiry reminders and expiry", () => {
  it("reminds once per lot per threshold (30 and 7 days), even with concurrent runs", async () => {
    const accountId = await makeAccount(t.db);
    const now = new Date();
    const grant = (days: number, usd: bigint) =>
      creditAccount(t.db, { accountId, kind: "promo", amountMicros: usd * 1_000_000n, expiresAt: new Date(now.getTime() + days * DAY), reason: `${days}d`, actor: { kind: "system" } });
    const in20 = await grant(20, 3n);
    const in5 = await grant(5, 2n);
    await grant(45, 1n); // outside the window
    const runs = await Promise.all(Array.from({ length: 5 }, () => sendExpiryReminders(t.db, now)));
    expect(runs.reduce((n, r) => n + r.created, 0)).toBe(2);
    let list = await notificationsOf(accountId);
    expect(list.map((n) => n.dedupe_key.split(":").slice(0, 3).join(":")).sort()).toEqual([`credits_expiring:${in20.lotId}:30d`, `credits_expiring:${in5.lotId}:7d`].sort());
    expect(list.find((n) => n.dedupe_key.includes(in5.lotId))?.title).toBe("$2.00 of credits expire in 5 days");
    // Two weeks later the 20-day lot enters the 7-day window: one more reminder, and only one.
    const later = new Date(now.getTime() + 14 * DAY);
    expect((await sendExpiryReminders(t.db, later)).created).toBe(1);
    expect((await sendExpiryReminders(t.db, later)).created).toBe(0);
    list = await notificationsOf(accountId);
    expect(list.filter((n) => n.dedupe_key.startsWith(`credits_expiring:${in20.lotId}:7d`))).toHaveLength(1);
  });

  it("credits:expire writes expiry entries once (parallel runs) and keeps the ledger consistent", async () => {
    const accountId = await makeAccount(t.db);
    const now = new Date();
    await creditAccount(t.db, { accountId, kind: "promo", amountMicros: 4_000_000n, expiresAt: new Date(now.getTime() + 2 * DAY), actor: { kind: "system" } });
    await spend(accountId, 1_500_000n);
    const after = new Date(now.getTime() + 3 * DAY);
    const results = await Promise.all([runJob(t, "credits:expire", after), runJob(t, "credits:expire", after), runJob(t, "credits:expire", after)]);
    const ran = results.filter((r) => r.ran);
    expect(ran.length).toBeGreaterThanOrEqual(1);
    const [{ n, total }] = await rows<{ n: string; total: string }>(t.db, sql`SELECT count(*)::text AS n, COALESCE(sum(amount_micros), 0)::text AS total FROM ledger_entries WHERE account_id = ${accountId} AND type = 'expiry'`);
    expect({ n, total }).toEqual({ n: "1", total: "-2500000" });
    expect((await runJob(t, "credits:expire", after)).result).toMatchObject({ lotsExpired: 0 });
    expect((await verifyLedger(t.db, accountId)).violations).toEqual([]);
  });
});

describe("low-balance alerts", () => {
  it("alert once per crossing below the account's threshold", async () => {
    const accountId = await makeAccount(t.db);
    const owner = await makeUser(t.db, { accountId, role: "owner" });
    await setLowBalanceThreshold(t.db, { accountId, userId: owner.userId }, 5_000_000n);
    await creditAccount(t.db, { accountId, kind: "grant", amountMicros: 10_000_000n, actor: { kind: "system" } });
    expect((await sendLowBalanceAlerts(t.db)).created).toBe(0);
    await spend(accountId, 6_000_000n); // 10 → 4: crossing #1
    const parallel = await Promise.all(Array.from({ length: 5 }, () => sendLowBalanceAlerts(t.db)));
    expect(parallel.reduce((n, r) => n + r.created, 0)).toBe(1);
    await spend(accountId, 1_000_000n); // still low: no new alert
    expect((await sendLowBalanceAlerts(t.db)).created).toBe(0);
    await creditAccount(t.db, { accountId, kind: "grant", amountMicros: 10_000_000n, actor: { kind: "system" } }); // 13
    expect((await sendLowBalanceAlerts(t.db)).created).toBe(0);
    await spend(accountId, 9_000_000n); // 13 → 4: crossing #2
    expect((await sendLowBalanceAlerts(t.db)).created).toBe(1);
    const alerts = (await notificationsOf(accountId)).filter((n) => n.kind === "low_balance");
    expect(alerts).toHaveLength(2);
    expect(alerts[1].title).toBe("Credit balance is low: $4.00");
    expect(alerts[1].body).toContain("$5.00");
    // Clearing the threshold stops alerts.
    await setLowBalanceThreshold(t.db, { accountId, userId: owner.userId }, null);
    await spend(accountId, 1_000_000n);
    expect((await sendLowBalanceAlerts(t.db)).created).toBe(0);
    expect((await verifyLedger(t.db, accountId)).violations).toEqual([]);
  });

  it("never alerts an account that was never above its threshold", async () => {
    const accountId = await makeAccount(t.db);
    const owner = await makeUser(t.db, { accountId, role: "owner" });
    await setLowBalanceThreshold(t.db, { accountId, userId: owner.userId }, 50_000_000n);
    await creditAccount(t.db, { accountId, kind: "grant", amountMicros: 10_000_000n, actor: { kind: "system" } });
    expect((await sendLowBalanceAlerts(t.db)).created).toBe(0);
  });
});

describe("in-app notifications", () => {
  it("dedupe keys make a notification happen at most once", async () => {
    const a = await makeAccount(t.db);
    const first = await createNotification(t.db, { accountId: a, kind: "dispute_update", title: "t1", body: "b1", dedupeKey: `x:${a}:1` });
    expect(first.created).toBe(true);
    const again = await Promise.all(Array.from({ length: 5 }, () => createNotification(t.db, { accountId: a, kind: "dispute_update", title: "t1", body: "b1", dedupeKey: `x:${a}:1` })));
    expect(again.every((r) => !r.created && r.id === null)).toBe(true);
  });
});

describe("email delivery", () => {
  it("emails owner/admin/finance (not members) once; retries after an SMTP outage; off without SMTP_URL", async () => {
    const accountId = await makeAccount(t.db);
    const owner = await makeUser(t.db, { accountId, role: "owner" });
    const finance = await makeUser(t.db, { accountId, role: "finance" });
    await makeUser(t.db, { accountId, role: "member" });
    // Without SMTP nothing is sent and nothing is marked.
    delete process.env.SMTP_URL;
    resetEnvCache();
    await createNotification(t.db, { accountId, kind: "low_balance", title: "Credit balance is low: $1.00", body: "Top up.", dedupeKey: `mail:${accountId}:1` });
    expect(await deliverNotificationEmails(t.db)).toEqual({ sent: 0, failed: 0 });

    process.env.SMTP_URL = smtp.url;
    process.env.MAIL_FROM = "Tollgate Billing <billing@tollgate.test>";
    resetEnvCache();
    const results = await Promise.all([deliverNotificationEmails(t.db), deliverNotificationEmails(t.db), deliverNotificationEmails(t.db)]);
    const sent = results.reduce((n, r) => n + r.sent, 0);
    expect(sent).toBeGreaterThanOrEqual(1);
    const toThisAccount = smtp.messages.filter((m) => m.to.some((r) => r === owner.email || r === finance.email));
    expect(toThisAccount.flatMap((m) => m.to).sort()).toEqual([owner.email, finance.email].sort());
    expect(toThisAccount[0].from).toBe("billing@tollgate.test");
    expect(toThisAccount[0].data).toContain("Subject: [Tollgate] Credit balance is low: $1.00");
    expect((await notificationsOf(accountId)).every((n) => n.emailed_at !== null)).toBe(true);
    expect((await deliverNotificationEmails(t.db)).sent).toBe(0);

    // SMTP down: the notification stays unsent and goes out on a later run.
    process.env.SMTP_URL = "smtp://127.0.0.1:1";
    resetEnvCache();
    await createNotification(t.db, { accountId, kind: "low_balance", title: "second", body: "b", dedupeKey: `mail:${accountId}:2` });
    const down = await deliverNotificationEmails(t.db);
    expect(down).toEqual({ sent: 0, failed: 1 });
    expect((await notificationsOf(accountId)).find((n) => n.title === "second")?.emailed_at).toBeNull();
    process.env.SMTP_URL = smtp.url;
    resetEnvCache();
    expect((await deliverNotificationEmails(t.db)).sent).toBe(1);

    // Old notifications (e.g. from before SMTP was configured) are not flushed by email.
    await t.db.execute(sql`INSERT INTO notifications (id, account_id, kind, title, body, created_at) VALUES ('ntf_old_1', ${accountId}, 'low_balance', 'old', 'old', now() - interval '3 days')`);
    expect((await deliverNotificationEmails(t.db)).sent).toBe(0);
  });
});

describe("scheduler and job lock", () => {
  it("runs the daily job once per UTC day at/after 00:05", () => {
    expect(dailyDue(new Date("2025-05-01T00:04:59Z"), "2025-04-30")).toBe(false);
    expect(dailyDue(new Date("2025-05-01T00:05:00Z"), "2025-04-30")).toBe(true);
    expect(dailyDue(new Date("2025-05-01T13:00:00Z"), "2025-05-01")).toBe(false);
    expect(dailyDue(new Date("2025-05-02T00:05:30Z"), "2025-05-01")).toBe(true);
  });

  it("a tick sweeps expired holds and runs the catch-up expiry", async () => {
    const accountId = await makeAccount(t.db);
    await creditAccount(t.db, { accountId, kind: "grant", amountMicros: 5_000_000n, actor: { kind: "system" } });
    const hold = await placeHold(t.db, { accountId, requestId: "req_sched_sweep_1", minMicros: 1_000n, maxMicros: 1_000n, ttlSeconds: 1 });
    expect(hold.ok).toBe(true);
    const logs: string[] = [];
    const scheduler = createScheduler({ handle: async () => t, log: (m) => logs.push(m) });
    try {
      await scheduler.tick(new Date(Date.now() + 60_000));
    } finally {
      scheduler.stop();
    }
    const [h] = await rows<{ status: string }>(t.db, sql`SELECT status::text FROM holds WHERE request_id = 'req_sched_sweep_1'`);
    expect(h.status).toBe("released");
    expect(logs).toContain("job holds:sweep");
    expect((await verifyLedger(t.db, accountId)).violations).toEqual([]);
  });

  it.runIf(Boolean(process.env.DATABASE_URL))("skips a job another instance holds the lock for (PostgreSQL advisory lock)", async () => {
    const other = new pg.Client({ connectionString: t.url });
    await other.connect();
    try {
      await other.query("SELECT pg_advisory_lock($1::bigint)", [jobLockKey("holds:sweep")]);
      expect(await runJob(t, "holds:sweep")).toEqual({ ran: false });
      await other.query("SELECT pg_advisory_unlock($1::bigint)", [jobLockKey("holds:sweep")]);
      expect((await runJob(t, "holds:sweep")).ran).toBe(true);
    } finally {
      await other.end();
    }
  });

  it("jobs:run runs a job from the CLI and rejects unknown names", async () => {
    let out = "";
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    }) as typeof process.stdout.write;
    try {
      await commands["jobs:run"].run({ job: "notifications:low-balance" }, []);
    } finally {
      process.stdout.write = original;
    }
    expect(JSON.parse(out)).toMatchObject({ job: "notifications:low-balance", alertsCreated: expect.any(Number) });
    await expect(commands["jobs:run"].run({ job: "rm -rf" }, [])).rejects.toThrow(/unknown job/);
  });
});
