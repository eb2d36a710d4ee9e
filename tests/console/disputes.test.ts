// Disputes: who may open and resolve them, the 30-day window, amounts, and a refund that is
// credited exactly once however many times (and however concurrently) it is clicked.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { openDisputeAction, addDisputeMessageAction } from "@/app/(console)/disputes/actions";
import { resolveDisputeAction } from "@/app/(console)/staff/actions";
import { addCustomerMessage, disputeEligibility, getDispute, listDisputeQueue, listDisputes, openDispute, resolveDispute, staffReply, startReview } from "@/lib/disputes";
import { createTestDb, type TestDb } from "../helpers/db";
import { addMember, balance, charge, codeOf, count, expectLedgerOk, fund, makeAccount, makeUser, USD } from "./fixtures";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t.dispose();
});

const DAY = 86_400_000;
const disputesOf = (accountId: string) => count(t.db, sql`SELECT count(*) AS n FROM disputes WHERE account_id = ${accountId}`);

describe("opening a dispute", () => {
  it("lets owner and finance dispute their own charge; refuses members, other accounts and unknown charges", async () => {
    const a = await makeAccount(t.db, "dsp-a");
    const b = await makeAccount(t.db, "dsp-b");
    await fund(t.db, a.accountId, 10n * USD);
    const c1 = await charge(t.db, a.accountId, 1_234_567n);
    const c2 = await charge(t.db, a.accountId, 2n * USD);
    const finance = await addMember(t.db, a.accountId, "finance");
    const member = await addMember(t.db, a.accountId, "member");
    const input = { ledgerEntryId: c1.entryId, reason: "The answer was cut off halfway" };

    expect(await codeOf(openDispute(t.db, { userId: member, accountId: a.accountId }, input))).toBe("FORBIDDEN");
    expect(await codeOf(openDispute(t.db, { userId: b.ownerId, accountId: a.accountId }, input))).toBe("FORBIDDEN");
    // B's owner naming A's charge from B's own account: simply not found there.
    expect(await codeOf(openDispute(t.db, { userId: b.ownerId, accountId: b.accountId }, input))).toBe("NOT_FOUND");
    expect(await disputesOf(a.accountId)).toBe(0);
    expect(await disputesOf(b.accountId)).toBe(0);

    const { disputeId } = await openDispute(t.db, { userId: a.ownerId, accountId: a.accountId }, input);
    const byRequest = await openDispute(t.db, { userId: finance, accountId: a.accountId }, { requestId: c2.requestId, reason: "Charged for an error response", amountUsd: USD });
    const d = await getDispute(t.db, { userId: finance, accountId: a.accountId }, disputeId);
    expect(d).toMatchObject({ status: "open", chargedMicros: 1_234_567n, amountMicros: null, ledgerEntryId: c1.entryId, requestId: c1.requestId });
    const d2 = await getDispute(t.db, { userId: a.ownerId, accountId: a.accountId }, byRequest.disputeId);
    expect(d2).toMatchObject({ ledgerEntryId: c2.entryId, amountMicros: USD });
    // Another account cannot read it, even by id.
    expect(await codeOf(getDispute(t.db, { userId: b.ownerId, accountId: a.accountId }, disputeId))).toBe("FORBIDDEN");
    expect(await getDispute(t.db, { userId: b.ownerId, accountId: b.accountId }, disputeId)).toBeNull();
    expect((await listDisputes(t.db, { userId: b.ownerId, accountId: b.accountId })).rows).toEqual([]);
    expect(await codeOf(listDisputes(t.db, { userId: member, accountId: a.accountId }))).toBe("FORBIDDEN");
    const audit = await count(t.db, sql`SELECT count(*) AS n FROM audit_log WHERE action = 'dispute.open' AND account_id = ${a.accountId}`);
    expect(audit).toBe(2);
  });

  it("is allowed for 30 days after the charge and refused after, with a clear message", async () => {
    const a = await makeAccount(t.db, "dsp-window");
    await fund(t.db, a.accountId, 5n * USD);
    const c = await charge(t.db, a.accountId, USD);
    const ctx = { userId: a.ownerId, accountId: a.accountId };
    const late = new Date(Date.now() + 31 * DAY);
    const err = await openDispute(t.db, ctx, { ledgerEntryId: c.entryId, reason: "Too late but trying anyway" }, late).catch((e: Error & { code?: string }) => e);
    expect(err).toMatchObject({ code: "INVALID_REQUEST" });
    expect((err as Error).message).toMatch(/within 30 days.*window closed on \d{4}-\d{2}-\d{2}/);
    expect(await disputesOf(a.accountId)).toBe(0);
    expect(await disputeEligibility(t.db, ctx, { ledgerEntryId: c.entryId }, late)).toMatchObject({ eligible: false, reason: "window_closed" });
    await openDispute(t.db, ctx, { ledgerEntryId: c.entryId, reason: "Still inside the window" }, new Date(Date.now() + 29 * DAY));
    expect(await disputesOf(a.accountId)).toBe(1);
  });

  it("refuses an amount above the charge, and a second live dispute on one charge even when opened concurrently", async () => {
    const a = await makeAccount(t.db, "dsp-dupe");
    await fund(t.db, a.accountId, 5n * USD);
    const c = await charge(t.db, a.accountId, 500_000n);
    const ctx = { userId: a.ownerId, accountId: a.accountId };
    const over = await openDispute(t.db, ctx, { ledgerEntryId: c.entryId, reason: "Asking for too much", amountUsd: 500_001n }).catch((e) => e);
    expect(over).toMatchObject({ code: "INVALID_REQUEST", param: "amountUsd" });
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => openDispute(t.db, ctx, { ledgerEntryId: c.entryId, reason: "Double submitted form" })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results.filter((r) => r.status === "rejected")) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: "CONFLICT" });
    expect(await disputesOf(a.accountId)).toBe(1);
  });

  it("goes through the server action with the session's account, never one from the input", async () => {
    const a = await makeAccount(t.db, "dsp-action");
    const b = await makeAccount(t.db, "dsp-action-b");
    await fund(t.db, a.accountId, 5n * USD);
    const c = await charge(t.db, a.accountId, USD);
    const member = await addMember(t.db, a.accountId, "member");
    const input = { ledgerEntryId: c.entryId, reason: "Via the server action", accountId: a.accountId };
    const asMember = await openDisputeAction.runAs({ userId: member, accountId: a.accountId }, input);
    expect(asMember).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    const asOther = await openDisputeAction.runAs({ userId: b.ownerId, accountId: a.accountId }, input);
    expect(asOther).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    const bad = await openDisputeAction.runAs({ userId: a.ownerId }, { ledgerEntryId: "le_x", reason: "short" });
    expect(bad).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    expect(Object.keys((bad as { error: { fieldErrors: object } }).error.fieldErrors)).toContain("reason");
    const hostile = await openDisputeAction.runAs({ userId: a.ownerId }, { ledgerEntryId: "le_'; DROP TABLE disputes;--", reason: "x".repeat(5000) });
    expect(hostile).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
    expect(await disputesOf(a.accountId)).toBe(0);
    const ok = await openDisputeAction.runAs({ userId: a.ownerId }, input);
    expect(ok.ok).toBe(true);
    const msgOther = await addDisputeMessageAction.runAs({ userId: b.ownerId }, { disputeId: (ok as { data: { disputeId: string } }).data.disputeId, body: "not mine" });
    expect(msgOther).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
  });
});

describe("resolving a dispute", () => {
  it("refunds exactly once under concurrent clicks, restores the balance, notifies and audits", async () => {
    const a = await makeAccount(t.db, "dsp-refund");
    const staff = await makeUser(t.db, { tag: "staff", isStaff: true });
    await fund(t.db, a.accountId, 10n * USD);
    const c = await charge(t.db, a.accountId, 3_141_592n);
    const before = await balance(t.db, a.accountId);
    const { disputeId } = await openDispute(t.db, { userId: a.ownerId, accountId: a.accountId }, { ledgerEntryId: c.entryId, reason: "Model returned garbage" });

    const results = await Promise.all(Array.from({ length: 8 }, () => resolveDispute(t.db, { userId: staff.userId }, { disputeId, outcome: "refund" })));
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect(new Set(results.map((r) => r.entryId)).size).toBe(1);
    expect(results.every((r) => r.status === "refunded" && r.refundMicros === 3_141_592n)).toBe(true);
    expect(await balance(t.db, a.accountId)).toBe(before + 3_141_592n);
    expect(await count(t.db, sql`SELECT count(*) AS n FROM ledger_entries WHERE dispute_id = ${disputeId} AND type = 'adjustment' AND amount_micros = 3141592`)).toBe(1);
    expect(await count(t.db, sql`SELECT count(*) AS n FROM notifications WHERE account_id = ${a.accountId} AND kind = 'dispute_update'`)).toBe(1);
    expect(await count(t.db, sql`SELECT count(*) AS n FROM audit_log WHERE action = 'dispute.refund' AND target_id = ${disputeId} AND actor_user_id = ${staff.userId}`)).toBe(1);
    // The same through the server action, clicked twice at once.
    const again = await Promise.all([1, 2].map(() => resolveDisputeAction.runAs({ userId: staff.userId }, { disputeId, outcome: "refund" })));
    expect(again.every((r) => r.ok && !(r.data as { changed: boolean }).changed)).toBe(true);
    expect(await balance(t.db, a.accountId)).toBe(before + 3_141_592n);
    // A closed dispute takes no more messages and cannot be rejected afterwards.
    expect(await codeOf(addCustomerMessage(t.db, { userId: a.ownerId, accountId: a.accountId }, { disputeId, body: "thanks" }))).toBe("CONFLICT");
    expect(await codeOf(resolveDispute(t.db, { userId: staff.userId }, { disputeId, outcome: "reject", note: "changed my mind" }))).toBe("CONFLICT");
    await expectLedgerOk(t.db, a.accountId);
  });

  it("refunds a partial amount the customer asked for, never more than the charge", async () => {
    const a = await makeAccount(t.db, "dsp-partial");
    const staff = await makeUser(t.db, { tag: "staff", isStaff: true });
    await fund(t.db, a.accountId, 10n * USD);
    const c = await charge(t.db, a.accountId, 2n * USD);
    const { disputeId } = await openDispute(t.db, { userId: a.ownerId, accountId: a.accountId }, { ledgerEntryId: c.entryId, reason: "Half of it was wrong", amountUsd: USD / 2n });
    expect(await codeOf(resolveDispute(t.db, { userId: staff.userId }, { disputeId, outcome: "refund", refundUsd: 2n * USD + 1n }))).toBe("INVALID_REQUEST");
    const before = await balance(t.db, a.accountId);
    const r = await resolveDispute(t.db, { userId: staff.userId }, { disputeId, outcome: "refund" });
    expect(r.refundMicros).toBe(USD / 2n);
    expect(await balance(t.db, a.accountId)).toBe(before + USD / 2n);
    await expectLedgerOk(t.db, a.accountId);
  });

  it("is staff-only: customers (even owners) cannot review, reply as staff, refund or reject", async () => {
    const a = await makeAccount(t.db, "dsp-staffonly");
    await fund(t.db, a.accountId, 5n * USD);
    const c = await charge(t.db, a.accountId, USD);
    const { disputeId } = await openDispute(t.db, { userId: a.ownerId, accountId: a.accountId }, { ledgerEntryId: c.entryId, reason: "Please refund me" });
    const before = await balance(t.db, a.accountId);
    const owner = { userId: a.ownerId };
    expect(await codeOf(resolveDispute(t.db, owner, { disputeId, outcome: "refund" }))).toBe("FORBIDDEN");
    expect(await codeOf(resolveDispute(t.db, owner, { disputeId, outcome: "reject", note: "nope nope" }))).toBe("FORBIDDEN");
    expect(await codeOf(startReview(t.db, owner, disputeId))).toBe("FORBIDDEN");
    expect(await codeOf(staffReply(t.db, owner, { disputeId, body: "I am staff, trust me" }))).toBe("FORBIDDEN");
    expect(await codeOf(listDisputeQueue(t.db, owner))).toBe("FORBIDDEN");
    const viaAction = await resolveDisputeAction.runAs({ userId: a.ownerId }, { disputeId, outcome: "refund" });
    expect(viaAction).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await balance(t.db, a.accountId)).toBe(before);
    expect((await getDispute(t.db, { userId: a.ownerId, accountId: a.accountId }, disputeId))?.status).toBe("open");
    expect(await count(t.db, sql`SELECT count(*) AS n FROM dispute_messages WHERE dispute_id = ${disputeId}`)).toBe(0);
  });

  it("moves open → under_review on a staff reply, and rejects with a note", async () => {
    const a = await makeAccount(t.db, "dsp-flow");
    const staff = await makeUser(t.db, { tag: "staff", isStaff: true });
    await fund(t.db, a.accountId, 5n * USD);
    const c = await charge(t.db, a.accountId, USD);
    const ctx = { userId: a.ownerId, accountId: a.accountId };
    const { disputeId } = await openDispute(t.db, ctx, { ledgerEntryId: c.entryId, reason: "Looks wrong to me" });
    const queue = await listDisputeQueue(t.db, { userId: staff.userId });
    expect(queue.rows.map((r) => r.id)).toContain(disputeId);
    expect((await staffReply(t.db, { userId: staff.userId }, { disputeId, body: "Looking into it" })).status).toBe("under_review");
    await addCustomerMessage(t.db, ctx, { disputeId, body: "Thanks, here is more detail" });
    const before = await balance(t.db, a.accountId);
    const r = await resolveDispute(t.db, { userId: staff.userId }, { disputeId, outcome: "reject", note: "The charge matches the tokens used." });
    expect(r).toMatchObject({ status: "rejected", changed: true });
    const d = await getDispute(t.db, ctx, disputeId);
    expect(d?.status).toBe("rejected");
    expect(d?.messages.map((m) => [m.fromStaff, m.body])).toEqual([
      [true, "Looking into it"],
      [false, "Thanks, here is more detail"],
      [true, "The charge matches the tokens used."],
    ]);
    expect(await balance(t.db, a.accountId)).toBe(before);
    // After a rejection the customer may open a fresh dispute on the same charge.
    await openDispute(t.db, ctx, { ledgerEntryId: c.entryId, reason: "New evidence attached here" });
  });
});
