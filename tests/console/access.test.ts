// Role and account isolation for the rest of the console: keys, usage, ledger, billing,
// notifications and the staff area. Each refused call leaves the data as it was.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, sql } from "drizzle-orm";
import { apiKeys, models, notifications } from "@/db/schema";
import { markNotificationsReadAction } from "@/app/(console)/actions";
import { completeSimulatedPaymentAction, setLowBalanceThresholdAction, startTopUpAction } from "@/app/(console)/billing/actions";
import { createKeyAction, revokeKeyAction, rotateKeyAction, updateKeyAction } from "@/app/(console)/keys/actions";
import { grantCreditsAction } from "@/app/(console)/staff/actions";
import { addModelAction, deprecateModelAction, schedulePriceAction, setModelAction } from "@/app/(console)/staff/models/actions";
import { listLedgerEntries } from "@/lib/accounts/ledger";
import { listNotifications, markNotificationsRead, unreadNotificationCount } from "@/lib/accounts/notifications";
import { getOverview } from "@/lib/accounts/overview";
import { newId, randomBase62 } from "@/lib/ids";
import { seedModels } from "@/lib/models";
import { getAccountForStaff, grantCredits, listAudit, listModelsForStaff, searchAccounts } from "@/lib/staff";
import { getRequest, listRequests, usageSummary } from "@/lib/usage";
import { createTestDb, type TestDb } from "../helpers/db";
import { addMember, balance, charge, codeOf, count, expectLedgerOk, fund, makeAccount, makeUser, USD } from "./fixtures";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t.dispose();
});

describe("API keys through the server actions", () => {
  it("lets owners and members manage keys; refuses finance and other accounts", async () => {
    const a = await makeAccount(t.db, "acc-keys");
    const b = await makeAccount(t.db, "acc-keys-b");
    const finance = await addMember(t.db, a.accountId, "finance");
    const member = await addMember(t.db, a.accountId, "member");
    const input = { name: "backend", tier: "enhanced", dailySpendCapUsd: "2.5", creditLimitUsd: "10" };

    expect(await createKeyAction.runAs({ userId: finance, accountId: a.accountId }, input)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    const created = await createKeyAction.runAs({ userId: member, accountId: a.accountId }, input);
    if (!created.ok) throw new Error(created.error.message);
    expect(created.data.plaintext).toMatch(/^tg_live_/);
    const [row] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, created.data.id));
    expect(row).toMatchObject({ accountId: a.accountId, tier: "enhanced", dailySpendCapMicros: 2_500_000n, creditLimitMicros: 10n * USD, createdBy: member });

    const keyId = created.data.id;
    // B's owner: even naming account A, the action runs in B's account, where the key doesn't exist.
    for (const r of [
      await revokeKeyAction.runAs({ userId: b.ownerId, accountId: a.accountId }, { keyId }),
      await updateKeyAction.runAs({ userId: b.ownerId, accountId: a.accountId }, { keyId, name: "pwned", tier: "enterprise" }),
      await rotateKeyAction.runAs({ userId: b.ownerId, accountId: a.accountId }, { keyId, graceHours: 0 }),
    ]) {
      expect(r).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    }
    expect(await revokeKeyAction.runAs({ userId: finance, accountId: a.accountId }, { keyId })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    const [unchanged] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, keyId));
    expect(unchanged).toMatchObject({ name: "backend", tier: "enhanced", revokedAt: null });

    expect(await updateKeyAction.runAs({ userId: a.ownerId }, { keyId, name: "backend", tier: "professional", dailySpendCapUsd: "", creditLimitUsd: "" })).toMatchObject({ ok: true });
    const [edited] = await t.db.select().from(apiKeys).where(eq(apiKeys.id, keyId));
    expect(edited).toMatchObject({ tier: "professional", dailySpendCapMicros: null, creditLimitMicros: null });
    const bad = await createKeyAction.runAs({ userId: a.ownerId }, { name: "", tier: "platinum", dailySpendCapUsd: "-1", expiresOn: "2020-01-01" });
    expect(bad.ok).toBe(false);
    expect(Object.keys((bad as { error: { fieldErrors: object } }).error.fieldErrors).sort()).toEqual(["dailySpendCapUsd", "expiresOn", "name", "tier"]);
  });
});

describe("usage and ledger reads", () => {
  it("are scoped to the caller's own account and role", async () => {
    const a = await makeAccount(t.db, "acc-usage");
    const b = await makeAccount(t.db, "acc-usage-b");
    await seedModels(t.db);
    await fund(t.db, a.accountId, 5n * USD);
    const c = await charge(t.db, a.accountId, 123_456n);
    const member = await addMember(t.db, a.accountId, "member");
    const own = { userId: a.ownerId, accountId: a.accountId };
    const intruder = { userId: b.ownerId, accountId: a.accountId };

    expect((await listRequests(t.db, own, {})).rows.map((r) => r.id)).toEqual([c.requestId]);
    expect((await getRequest(t.db, own, c.requestId))?.entries.map((e) => e.amountMicros)).toEqual([-123_456n]);
    expect((await usageSummary(t.db, own, 7)).totals).toMatchObject({ requests: 1, costMicros: 123_456n });
    expect((await getOverview(t.db, own)).spend30dMicros).toBe(123_456n);
    const refused = await Promise.all(
      [listRequests(t.db, intruder, {}), getRequest(t.db, intruder, c.requestId), usageSummary(t.db, intruder, 7), getOverview(t.db, intruder), listLedgerEntries(t.db, intruder, {})].map(codeOf),
    );
    expect(refused).toEqual(Array(5).fill("FORBIDDEN"));
    // From B's own account, A's request simply doesn't exist.
    expect(await getRequest(t.db, { userId: b.ownerId, accountId: b.accountId }, c.requestId)).toBeNull();
    expect((await listRequests(t.db, { userId: b.ownerId, accountId: b.accountId }, { requestId: c.requestId })).rows).toEqual([]);
    // Members see usage but not the ledger.
    expect((await listRequests(t.db, { userId: member, accountId: a.accountId }, {})).rows).toHaveLength(1);
    expect(await codeOf(listLedgerEntries(t.db, { userId: member, accountId: a.accountId }, {}))).toBe("FORBIDDEN");
    const ledger = await listLedgerEntries(t.db, own, { type: "charge" });
    expect(ledger.rows.map((r) => [r.id, r.amountMicros])).toEqual([[c.entryId, -123_456n]]);
  });

  it("paginates the request log and the ledger with cursors, without gaps or repeats", async () => {
    const a = await makeAccount(t.db, "acc-pages");
    await fund(t.db, a.accountId, 50n * USD);
    const made: string[] = [];
    const at = new Date();
    // Several requests in the same millisecond exercise the (created_at, id) tie-break.
    for (let i = 0; i < 7; i++) made.push((await charge(t.db, a.accountId, BigInt(1000 + i), { now: at })).requestId);
    const own = { userId: a.ownerId, accountId: a.accountId };
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const r = await listRequests(t.db, own, { cursor, limit: 3 });
      seen.push(...r.rows.map((x) => x.id));
      if (!r.nextCursor) break;
      cursor = r.nextCursor;
    }
    expect(seen.sort()).toEqual([...made].sort());
    const entries: bigint[] = [];
    cursor = undefined;
    for (let page = 0; page < 10; page++) {
      const r = await listLedgerEntries(t.db, own, { cursor, limit: 2 });
      entries.push(...r.rows.map((x) => x.seq));
      if (!r.nextCursor) break;
      cursor = r.nextCursor;
    }
    expect(entries).toHaveLength(8);
    expect([...entries].sort((x, y) => (x > y ? -1 : 1))).toEqual(entries);
    // A garbage cursor is treated as the first page, not an error.
    expect((await listRequests(t.db, own, { cursor: "not-a-cursor!!", limit: 3 })).rows).toHaveLength(3);
  });
});

describe("billing actions", () => {
  it("refuses members and other accounts; finance can top up and set the threshold", async () => {
    const a = await makeAccount(t.db, "acc-billing");
    const member = await addMember(t.db, a.accountId, "member");
    const finance = await addMember(t.db, a.accountId, "finance");
    expect(await startTopUpAction.runAs({ userId: member, accountId: a.accountId }, { amountUsd: "10" })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await setLowBalanceThresholdAction.runAs({ userId: member, accountId: a.accountId }, { thresholdUsd: "5" })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await startTopUpAction.runAs({ userId: finance, accountId: a.accountId }, { amountUsd: "4.99" })).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    expect(await startTopUpAction.runAs({ userId: finance, accountId: a.accountId }, { amountUsd: "1000.01" })).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    const started = await startTopUpAction.runAs({ userId: finance, accountId: a.accountId }, { amountUsd: "12.50" });
    expect(started).toMatchObject({ ok: true, data: { simulated: true, url: expect.stringMatching(/^\/billing\/simulate\/sim_cs_/) } });
    expect(await setLowBalanceThresholdAction.runAs({ userId: finance, accountId: a.accountId }, { thresholdUsd: "7.25" })).toMatchObject({ ok: true, data: { thresholdMicros: "7250000" } });

    // Paying the simulated session: never by a member or another account; twice = one credit.
    const sessionId = (started as { data: { url: string } }).data.url.split("/").pop()!;
    const b = await makeAccount(t.db, "acc-billing-b");
    expect(await completeSimulatedPaymentAction.runAs({ userId: member, accountId: a.accountId }, { sessionId })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await completeSimulatedPaymentAction.runAs({ userId: b.ownerId, accountId: a.accountId }, { sessionId })).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    expect(await balance(t.db, a.accountId)).toBe(0n);
    const paid = await Promise.all([1, 2, 3].map(() => completeSimulatedPaymentAction.runAs({ userId: finance, accountId: a.accountId }, { sessionId })));
    expect(paid.every((r) => r.ok)).toBe(true);
    expect(await balance(t.db, a.accountId)).toBe(12_500_000n);
    expect(await balance(t.db, b.accountId)).toBe(0n);
    await expectLedgerOk(t.db, a.accountId);
  });
});

describe("notifications", () => {
  it("are visible by role and only ever marked read in the caller's account", async () => {
    const a = await makeAccount(t.db, "acc-ntf");
    const b = await makeAccount(t.db, "acc-ntf-b");
    const member = await addMember(t.db, a.accountId, "member");
    const finance = await addMember(t.db, a.accountId, "finance");
    const low = newId("notification");
    const dsp = newId("notification");
    await t.db.insert(notifications).values([
      { id: low, accountId: a.accountId, kind: "low_balance", title: "Low balance", body: "Below $5" },
      { id: dsp, accountId: a.accountId, kind: "dispute_update", title: "Dispute refunded", body: "..." },
    ]);
    expect((await listNotifications(t.db, { userId: a.ownerId, accountId: a.accountId })).rows).toHaveLength(2);
    expect((await listNotifications(t.db, { userId: member, accountId: a.accountId })).rows).toHaveLength(0);
    expect(await codeOf(listNotifications(t.db, { userId: b.ownerId, accountId: a.accountId }))).toBe("FORBIDDEN");
    // B marking A's notification (by id, from B's account) changes nothing.
    expect(await markNotificationsReadAction.runAs({ userId: b.ownerId, accountId: a.accountId }, { ids: [low] })).toMatchObject({ ok: true, data: { updated: 0 } });
    expect(await markNotificationsRead(t.db, { userId: member, accountId: a.accountId }, { all: true })).toEqual({ updated: 0 });
    expect(await unreadNotificationCount(t.db, { userId: finance, accountId: a.accountId })).toBe(2);
    expect(await markNotificationsReadAction.runAs({ userId: finance, accountId: a.accountId }, { ids: low })).toMatchObject({ ok: true, data: { updated: 1 } });
    expect(await unreadNotificationCount(t.db, { userId: a.ownerId, accountId: a.accountId })).toBe(1);
    expect(await markNotificationsReadAction.runAs({ userId: a.ownerId }, { all: "true" })).toMatchObject({ ok: true, data: { updated: 1 } });
    expect(await markNotificationsReadAction.runAs({ userId: a.ownerId }, { ids: ["'; drop table x"] })).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
  });
});

describe("staff area", () => {
  it("is refused to non-staff (including account owners), through lib and actions", async () => {
    const a = await makeAccount(t.db, "acc-staff");
    await seedModels(t.db);
    const owner = { userId: a.ownerId };
    const grant = { accountId: a.accountId, amountUsd: USD, reason: "goodwill", expiresInDays: 30, idempotencyKey: randomBase62(24) };
    const refused = await Promise.all(
      [searchAccounts(t.db, owner), getAccountForStaff(t.db, owner, a.accountId), grantCredits(t.db, owner, grant), listModelsForStaff(t.db, owner), listAudit(t.db, owner)].map(codeOf),
    );
    expect(refused).toEqual(Array(5).fill("FORBIDDEN"));
    expect(await grantCreditsAction.runAs({ userId: a.ownerId }, { ...grant, amountUsd: "1" })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    const [before] = await t.db.select().from(models).where(eq(models.id, "mock-small"));
    const update = { id: "mock-small", contextWindow: "1000", maxOutputTokens: "10", enabled: "false" };
    expect(await setModelAction.runAs({ userId: a.ownerId }, update)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    const price = { id: "mock-small", inputUsdPerMtok: "0.000001", outputUsdPerMtok: "0", effective: "2099-01-01" };
    expect(await schedulePriceAction.runAs({ userId: a.ownerId }, price)).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    const [after] = await t.db.select().from(models).where(eq(models.id, "mock-small"));
    expect(after).toEqual(before);
    expect(await balance(t.db, a.accountId)).toBe(0n);
  });

  it("grants once per form submission even when submitted concurrently, audited under the staff user", async () => {
    const a = await makeAccount(t.db, "acc-grant");
    const staff = await makeUser(t.db, { tag: "staff", isStaff: true });
    const key = randomBase62(24);
    const input = { accountId: a.accountId, amountUsd: "12.345678", reason: "Outage credit", expiresInDays: "90", idempotencyKey: key };
    const results = await Promise.all(Array.from({ length: 6 }, () => grantCreditsAction.runAs({ userId: staff.userId }, input)));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.filter((r) => r.ok && r.data.created)).toHaveLength(1);
    expect(await balance(t.db, a.accountId)).toBe(12_345_678n);
    expect(await count(t.db, sql`SELECT count(*) AS n FROM credit_lots WHERE account_id = ${a.accountId} AND kind = 'grant'`)).toBe(1);
    expect(await count(t.db, sql`SELECT count(*) AS n FROM audit_log WHERE account_id = ${a.accountId} AND action = 'staff.grant' AND actor_kind = 'staff' AND actor_user_id = ${staff.userId}`)).toBe(1);
    // A new form (new nonce) is a new grant; bad amounts are refused.
    await grantCredits(t.db, { userId: staff.userId }, { accountId: a.accountId, amountUsd: USD, reason: "second", expiresInDays: 365, idempotencyKey: randomBase62(24) });
    expect(await balance(t.db, a.accountId)).toBe(13_345_678n);
    for (const amountUsd of ["0", "-5", "1.0000001", "100000.01", "abc"]) {
      expect(await grantCreditsAction.runAs({ userId: staff.userId }, { ...input, amountUsd, idempotencyKey: randomBase62(24) })).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    }
    expect(await balance(t.db, a.accountId)).toBe(13_345_678n);
    await expectLedgerOk(t.db, a.accountId);
    expect((await searchAccounts(t.db, { userId: staff.userId }, { q: "acc-grant" })).rows.map((r) => r.id)).toContain(a.accountId);
  });

  it("validates and audits catalogue changes made in the staff area", async () => {
    const staff = await makeUser(t.db, { tag: "staff", isStaff: true });
    await seedModels(t.db);
    const add = { id: "staff-form-model", provider: "mock", upstreamModel: "mock-small", kind: "chat", inputUsdPerMtok: "0.5", outputUsdPerMtok: "1.5", contextWindow: "32000", maxOutputTokens: "4096" };
    for (const bad of [{ inputUsdPerMtok: "-1" }, { outputUsdPerMtok: "1.1234567" }, { maxOutputTokens: "0" }, { contextWindow: "abc" }, { provider: "azure" }, { id: "bad id" }]) {
      expect(await addModelAction.runAs({ userId: staff.userId }, { ...add, ...bad })).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    }
    expect(await addModelAction.runAs({ userId: staff.userId }, add)).toMatchObject({ ok: true, data: { id: "staff-form-model" } });
    expect(await addModelAction.runAs({ userId: staff.userId }, add)).toMatchObject({ ok: false, error: { code: "CONFLICT" } });
    expect(await setModelAction.runAs({ userId: staff.userId }, { id: "staff-form-model", contextWindow: "100", maxOutputTokens: "200" })).toMatchObject({ ok: false, error: { code: "INVALID_REQUEST" } });
    expect(await setModelAction.runAs({ userId: staff.userId }, { id: "no-such-model", enabled: "false" })).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    expect(await setModelAction.runAs({ userId: staff.userId }, { id: "staff-form-model", upstreamModel: "mock-large", contextWindow: "64000", maxOutputTokens: "4096", enabled: "false" })).toMatchObject({ ok: true });
    const [m] = await t.db.select().from(models).where(eq(models.id, "staff-form-model"));
    expect(m).toMatchObject({ upstreamModel: "mock-large", contextWindow: 64000, enabled: false, inputPriceMicrosPerMtok: 500_000n });
    // Price changes need notice (a field error the form shows next to the date), unless forced.
    const soon = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    expect(await schedulePriceAction.runAs({ userId: staff.userId }, { id: "staff-form-model", inputUsdPerMtok: "1", outputUsdPerMtok: "2", effective: soon })).toMatchObject({
      ok: false,
      error: { code: "INVALID_REQUEST", fieldErrors: { effective: [expect.stringContaining("14 days")] } },
    });
    expect(await schedulePriceAction.runAs({ userId: staff.userId }, { id: "staff-form-model", inputUsdPerMtok: "1", outputUsdPerMtok: "2", effective: soon, force: "true" })).toMatchObject({ ok: true });
    expect(await deprecateModelAction.runAs({ userId: staff.userId }, { id: "staff-form-model", sunset: soon, replacementId: "mock-small" })).toMatchObject({
      ok: false,
      error: { code: "INVALID_REQUEST", fieldErrors: { sunset: [expect.stringContaining("30 days")] } },
    });
    const listed = (await listModelsForStaff(t.db, { userId: staff.userId })).find((x) => x.id === "staff-form-model")!;
    expect(listed.upcoming.map((p) => p.inputPriceMicrosPerMtok)).toEqual([1_000_000n]);
    const audit = await listAudit(t.db, { userId: staff.userId }, { action: "model." });
    expect(audit.rows.filter((r) => r.targetId === "staff-form-model").map((r) => [r.action, r.actorKind]).sort()).toEqual(
      [
        ["model.add", "staff"],
        ["model.disable", "staff"],
        ["model.price.schedule", "staff"],
      ].sort(),
    );
  });
});
