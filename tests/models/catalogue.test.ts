// Catalogue management through lib/models (the functions behind the CLI and the staff area):
// add/set/disable, deprecation with its notices (in-app and email), scheduled prices with their
// notice rules, and the price in force at an instant. Real PostgreSQL (or PGlite) per file.
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requests } from "@/db/schema";
import { rows } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { newId } from "@/lib/ids";
import {
  addModel,
  assertNotSunset,
  cancelScheduledPrice,
  deprecateModel,
  disableModel,
  findModel,
  invalidateModels,
  lifecycleHeaders,
  listServedModels,
  schedulePrice,
  seedModels,
  setModel,
  undeprecateModel,
} from "@/lib/models";
import { deliverNotificationEmails } from "@/lib/notifications/email";
import { sendModelNotices } from "@/lib/notifications/model-notices";
import { AppError } from "@/lib/errors";
import { startSmtpStandIn, type SmtpStandIn } from "../billing/helpers/smtp-standin";
import { makeAccount, makeUser } from "../console/fixtures";
import { createTestDb, type TestDb } from "../helpers/db";

let t: TestDb;
let smtp: SmtpStandIn;
const CLI = { kind: "cli" } as const;
const DAY = 86_400_000;

beforeAll(async () => {
  t = await createTestDb();
  await seedModels(t.db);
  smtp = await startSmtpStandIn();
});
afterAll(async () => {
  await smtp?.close();
  await t?.dispose();
});

async function expectCode(p: Promise<unknown>, code: string, param?: string): Promise<AppError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(code);
  if (param) expect((e as AppError).param).toBe(param);
  return e as AppError;
}

async function usedModel(accountId: string, model: string, at: Date): Promise<void> {
  await t.db.insert(requests).values({ id: newId("request"), accountId, model, endpoint: "chat.completions", statusCode: 200, createdAt: at });
}

async function auditOf(modelId: string) {
  return rows<{ action: string; actor_kind: string; data: Record<string, unknown> }>(t.db, sql`SELECT action, actor_kind, data FROM audit_log WHERE target_id = ${modelId} ORDER BY created_at, id`);
}

async function noticesOf(accountId: string) {
  return rows<{ kind: string; title: string; body: string; dedupe_key: string }>(t.db, sql`SELECT kind, title, body, dedupe_key FROM notifications WHERE account_id = ${accountId} ORDER BY created_at, id`);
}

const base = { provider: "mock", upstreamModel: "mock-small", inputUsdPerMtok: "1.25", outputUsdPerMtok: "5", contextWindow: "32000", maxOutputTokens: "2048" };

describe("model:add / set / disable", () => {
  it("adds a model (audited), visible to the gateway's catalogue; duplicates and hostile input are refused", async () => {
    const m = await addModel(t.db, CLI, { id: "acme-chat-1", ...base, cachedInputUsdPerMtok: "0.125" });
    expect(m).toMatchObject({ id: "acme-chat-1", provider: "mock", kind: "chat", inputPriceMicrosPerMtok: 1_250_000n, outputPriceMicrosPerMtok: 5_000_000n, cachedInputPriceMicrosPerMtok: 125_000n, contextWindow: 32000, maxOutputTokens: 2048, enabled: true });
    expect((await findModel("acme-chat-1"))?.inputPriceMicrosPerMtok).toBe(1_250_000n);
    expect((await auditOf("acme-chat-1")).map((a) => [a.action, a.actor_kind])).toEqual([["model.add", "cli"]]);
    await expectCode(addModel(t.db, CLI, { id: "acme-chat-1", ...base }), "CONFLICT", "id");
    await expectCode(addModel(t.db, CLI, { ...base, id: "bad id; drop table" }), "INVALID_REQUEST", "id");
    await expectCode(addModel(t.db, CLI, { ...base, id: "x1", provider: "azure" }), "INVALID_REQUEST", "provider");
    await expectCode(addModel(t.db, CLI, { ...base, id: "x1", inputUsdPerMtok: "-1" }), "INVALID_REQUEST", "inputUsdPerMtok");
    await expectCode(addModel(t.db, CLI, { ...base, id: "x1", inputUsdPerMtok: "0.0000001" }), "INVALID_REQUEST", "inputUsdPerMtok");
    await expectCode(addModel(t.db, CLI, { ...base, id: "x1", maxOutputTokens: "64000" }), "INVALID_REQUEST", "maxOutputTokens");
    await expectCode(addModel(t.db, CLI, { ...base, id: "x".repeat(101) }), "INVALID_REQUEST", "id");
    expect(await findModel("x1")).toBeUndefined();
  });

  it("staff only: a customer user cannot change the catalogue", async () => {
    const { userId } = await makeUser(t.db);
    await expectCode(addModel(t.db, { kind: "staff", userId }, { id: "sneaky", ...base }), "FORBIDDEN");
    const staff = await makeUser(t.db, { isStaff: true });
    expect((await addModel(t.db, { kind: "staff", userId: staff.userId }, { id: "staff-added", ...base })).id).toBe("staff-added");
    expect((await auditOf("staff-added"))[0]).toMatchObject({ action: "model.add", actor_kind: "staff" });
  });

  it("model:set changes limits (not prices); model:disable stops serving it", async () => {
    await addModel(t.db, CLI, { id: "acme-chat-2", ...base });
    const m = await setModel(t.db, CLI, { id: "acme-chat-2", contextWindow: "64000", maxOutputTokens: "4096" });
    expect(m).toMatchObject({ contextWindow: 64000, maxOutputTokens: 4096, inputPriceMicrosPerMtok: 1_250_000n });
    await expectCode(setModel(t.db, CLI, { id: "acme-chat-2" }), "INVALID_REQUEST");
    await expectCode(setModel(t.db, CLI, { id: "no-such-model", enabled: "false" }), "NOT_FOUND");
    await disableModel(t.db, CLI, "acme-chat-2");
    expect(await findModel("acme-chat-2")).toBeUndefined();
    expect((await listServedModels()).map((x) => x.id)).not.toContain("acme-chat-2");
    expect((await auditOf("acme-chat-2")).map((a) => a.action)).toEqual(["model.add", "model.update", "model.disable"]);
  });
});

describe("deprecation", () => {
  it("refuses a sunset under 30 days unless forced, a missing or dead replacement, and itself", async () => {
    await addModel(t.db, CLI, { id: "old-a", ...base });
    const now = new Date("2026-06-01T12:00:00Z");
    await expectCode(deprecateModel(t.db, CLI, { id: "old-a", sunset: "2026-06-20", replacementId: "mock-small" }, now), "INVALID_REQUEST", "sunset");
    await expectCode(deprecateModel(t.db, CLI, { id: "old-a", sunset: "2026-05-01", replacementId: "mock-small", force: true }, now), "INVALID_REQUEST", "sunset");
    await expectCode(deprecateModel(t.db, CLI, { id: "old-a", sunset: "2026-08-01", replacementId: "old-a" }, now), "INVALID_REQUEST", "replacementId");
    await expectCode(deprecateModel(t.db, CLI, { id: "old-a", sunset: "2026-08-01", replacementId: "nope" }, now), "INVALID_REQUEST", "replacementId");
    await expectCode(deprecateModel(t.db, CLI, { id: "old-a", sunset: "2026-08-01", replacementId: "mock-embed" }, now), "INVALID_REQUEST", "replacementId");
    await expectCode(deprecateModel(t.db, CLI, { id: "old-a", sunset: "not-a-date", replacementId: "mock-small" }, now), "INVALID_REQUEST", "sunset");
    const forced = await deprecateModel(t.db, CLI, { id: "old-a", sunset: "2026-06-20", replacementId: "mock-small", force: true }, now);
    expect(forced.model.sunsetAt?.toISOString()).toBe("2026-06-20T00:00:00.000Z");
    const audit = (await auditOf("old-a")).at(-1)!;
    expect(audit).toMatchObject({ action: "model.deprecate", data: { forced: true, replacementId: "mock-small" } });
  });

  it("headers while deprecated, 410 naming the replacement after the sunset, undo clears it", async () => {
    await addModel(t.db, CLI, { id: "old-b", ...base });
    const now = new Date("2026-01-10T00:00:00Z");
    const { model } = await deprecateModel(t.db, CLI, { id: "old-b", sunset: "2026-03-01", replacementId: "mock-large" }, now);
    expect(lifecycleHeaders(model)).toEqual({
      Deprecation: `@${Math.floor(now.getTime() / 1000)}`,
      Sunset: "Sun, 01 Mar 2026 00:00:00 GMT",
      Link: '</api/v1/models/mock-large>; rel="successor-version"',
    });
    expect(() => assertNotSunset(model, new Date("2026-02-28T23:59:59Z"))).not.toThrow();
    const gone = (() => {
      try {
        assertNotSunset(model, new Date("2026-03-01T00:00:00Z"));
      } catch (e) {
        return e as AppError;
      }
    })();
    expect(gone).toMatchObject({ code: "MODEL_SUNSET", status: 410 });
    expect(gone?.message).toContain("'mock-large'");
    const undone = await undeprecateModel(t.db, CLI, "old-b");
    expect(undone).toMatchObject({ deprecatedAt: null, sunsetAt: null, replacementId: null });
    expect(lifecycleHeaders(undone)).toEqual({});
    expect((await auditOf("old-b")).map((a) => a.action)).toEqual(["model.add", "model.deprecate", "model.undeprecate"]);
  });

  it("notifies (in-app and email) accounts that used the model in the last 30 days, at deprecation and 7 days before the sunset", async () => {
    await addModel(t.db, CLI, { id: "old-c", ...base });
    const now = new Date();
    const recent = await makeAccount(t.db, "recent");
    const stale = await makeAccount(t.db, "stale");
    const other = await makeAccount(t.db, "other");
    await usedModel(recent.accountId, "old-c", new Date(now.getTime() - 3 * DAY));
    await usedModel(stale.accountId, "old-c", new Date(now.getTime() - 45 * DAY));
    await usedModel(other.accountId, "mock-small", new Date(now.getTime() - DAY));
    const sunset = new Date(now.getTime() + 40 * DAY).toISOString().slice(0, 10);
    const r = await deprecateModel(t.db, CLI, { id: "old-c", sunset, replacementId: "mock-small" }, now);
    expect(r.notified).toBe(1);
    const notices = await noticesOf(recent.accountId);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ kind: "model_deprecated" });
    expect(notices[0].body).toContain("'mock-small'");
    expect(await noticesOf(stale.accountId)).toEqual([]);
    expect(await noticesOf(other.accountId)).toEqual([]);

    // The job repeats nothing, and 7 days before the sunset it reminds once.
    expect((await sendModelNotices(t.db, now)).created).toBe(0);
    const weekBefore = new Date(new Date(`${sunset}T00:00:00Z`).getTime() - 6 * DAY);
    // The account keeps using the model; the reminder looks at the 30 days before it.
    await usedModel(recent.accountId, "old-c", new Date(weekBefore.getTime() - DAY));
    await sendModelNotices(t.db, weekBefore);
    await sendModelNotices(t.db, weekBefore);
    expect((await noticesOf(recent.accountId)).map((n) => n.kind)).toEqual(["model_deprecated", "model_sunset_soon"]);

    // Email copies go to the account's owner.
    process.env.SMTP_URL = smtp.url;
    resetEnvCache();
    await deliverNotificationEmails(t.db);
    const mails = smtp.messages.filter((m) => m.to.includes(recent.ownerEmail));
    expect(mails.map((m) => /Subject: \[Tollgate\] (.*)/.exec(m.data)?.[1])).toEqual([expect.stringContaining("old-c is deprecated"), expect.stringContaining("old-c stops working in 6 days")]);
    expect(smtp.messages.some((m) => m.to.includes(stale.ownerEmail))).toBe(false);
  });
});

describe("scheduled prices", () => {
  it("needs 14 days' notice unless forced (audited), notifies recent users, and switches at its exact instant", async () => {
    await addModel(t.db, CLI, { id: "priced", ...base });
    const now = new Date();
    const user = await makeAccount(t.db, "priced-user");
    await usedModel(user.accountId, "priced", new Date(now.getTime() - DAY));
    await expectCode(schedulePrice(t.db, CLI, { id: "priced", inputUsdPerMtok: "2", outputUsdPerMtok: "6", effective: new Date(now.getTime() + 13 * DAY).toISOString() }, now), "INVALID_REQUEST", "effective");
    const at = new Date(Math.ceil((now.getTime() + 20 * DAY) / 1000) * 1000);
    const { price, notified } = await schedulePrice(t.db, CLI, { id: "priced", inputUsdPerMtok: "2", outputUsdPerMtok: "6", effective: at.toISOString() }, now);
    expect(notified).toBe(1);
    expect((await noticesOf(user.accountId)).map((n) => n.kind)).toEqual(["model_price_change"]);
    await expectCode(schedulePrice(t.db, CLI, { id: "priced", inputUsdPerMtok: "3", outputUsdPerMtok: "6", effective: at.toISOString() }, now), "CONFLICT");

    expect((await findModel("priced", new Date(at.getTime() - 1)))?.inputPriceMicrosPerMtok).toBe(1_250_000n);
    expect((await findModel("priced", at))?.inputPriceMicrosPerMtok).toBe(2_000_000n);
    expect((await findModel("priced", at))?.outputPriceMicrosPerMtok).toBe(6_000_000n);
    const listed = (await listServedModels(now)).find((m) => m.id === "priced")!;
    expect(listed.upcoming.map((p) => [p.id, p.effectiveAt.toISOString()])).toEqual([[price.id, at.toISOString()]]);

    const forced = await schedulePrice(t.db, CLI, { id: "priced", inputUsdPerMtok: "1", outputUsdPerMtok: "4", effective: new Date(now.getTime() + DAY).toISOString(), force: true }, now);
    expect((await auditOf("priced")).filter((a) => a.action === "model.price.schedule").map((a) => a.data.forced)).toEqual([false, true]);
    await cancelScheduledPrice(t.db, CLI, forced.price.id, now);
    expect((await listServedModels(now)).find((m) => m.id === "priced")!.upcoming).toHaveLength(1);
    await expectCode(cancelScheduledPrice(t.db, CLI, forced.price.id, now), "NOT_FOUND");
    // A price already in force cannot be cancelled.
    await expectCode(cancelScheduledPrice(t.db, CLI, price.id, new Date(at.getTime() + 1)), "NOT_FOUND");
    invalidateModels();
  });
});
