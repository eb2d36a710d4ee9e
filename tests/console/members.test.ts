// Members and invitations: role rules enforced on the server, the last owner protected even
// against concurrent demotions, invitations applied at sign-up.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { changeMemberRoleAction, inviteMemberAction, removeMemberAction } from "@/app/(console)/members/actions";
import { acceptPendingInvitations, changeMemberRole, inviteMember, listMembers, removeMember, revokeInvitation } from "@/lib/members";
import { createTestDb, type TestDb } from "../helpers/db";
import { addMember, codeOf, count, makeAccount, makeUser, roleIn } from "./fixtures";

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t.dispose();
});

describe("inviting", () => {
  it("adds an existing user at once and records an invitation for an unknown email, applied at sign-up", async () => {
    const a = await makeAccount(t.db, "mem-inv");
    const ctx = { userId: a.ownerId, accountId: a.accountId };
    const existing = await makeUser(t.db, { tag: "existing" });
    expect(await inviteMember(t.db, ctx, { email: existing.email.toUpperCase(), role: "finance" })).toMatchObject({ kind: "added", userId: existing.userId });
    expect(await roleIn(t.db, a.accountId, existing.userId)).toBe("finance");
    expect(await codeOf(inviteMember(t.db, ctx, { email: existing.email, role: "member" }))).toBe("CONFLICT");

    const email = `newcomer-${Date.now()}@example.com`;
    const inv = await inviteMember(t.db, ctx, { email, role: "member" });
    expect(inv.kind).toBe("invited");
    // Re-inviting updates the pending invitation instead of duplicating it.
    await inviteMember(t.db, ctx, { email, role: "admin" });
    const listed = await listMembers(t.db, ctx);
    expect(listed.invitations.filter((i) => i.email === email).map((i) => i.role)).toEqual(["admin"]);

    const newcomer = await makeUser(t.db, { email });
    const accepted = await Promise.all([acceptPendingInvitations(t.db, newcomer.userId, email.toUpperCase()), acceptPendingInvitations(t.db, newcomer.userId, email)]);
    expect(accepted.flatMap((r) => r.accountIds)).toEqual([a.accountId]);
    expect(await roleIn(t.db, a.accountId, newcomer.userId)).toBe("admin");
    expect((await listMembers(t.db, ctx)).invitations.some((i) => i.email === email)).toBe(false);
    expect(await count(t.db, sql`SELECT count(*) AS n FROM audit_log WHERE account_id = ${a.accountId} AND action IN ('member.add', 'member.invite', 'member.invite_accept')`)).toBe(4);
  });

  it("refuses members, finance, other accounts, and admins handing out the owner role", async () => {
    const a = await makeAccount(t.db, "mem-rules");
    const b = await makeAccount(t.db, "mem-rules-b");
    const admin = await addMember(t.db, a.accountId, "admin");
    const finance = await addMember(t.db, a.accountId, "finance");
    const member = await addMember(t.db, a.accountId, "member");
    const email = `target-${Date.now()}@example.com`;
    for (const userId of [finance, member, b.ownerId]) {
      expect(await codeOf(inviteMember(t.db, { userId, accountId: a.accountId }, { email, role: "member" }))).toBe("FORBIDDEN");
    }
    expect(await codeOf(inviteMember(t.db, { userId: admin, accountId: a.accountId }, { email, role: "owner" }))).toBe("FORBIDDEN");
    expect(await codeOf(changeMemberRole(t.db, { userId: admin, accountId: a.accountId }, { userId: member, role: "owner" }))).toBe("FORBIDDEN");
    expect(await codeOf(changeMemberRole(t.db, { userId: admin, accountId: a.accountId }, { userId: a.ownerId, role: "member" }))).toBe("FORBIDDEN");
    expect(await codeOf(removeMember(t.db, { userId: admin, accountId: a.accountId }, { userId: a.ownerId }))).toBe("FORBIDDEN");
    expect(await codeOf(changeMemberRole(t.db, { userId: member, accountId: a.accountId }, { userId: finance, role: "admin" }))).toBe("FORBIDDEN");
    expect(await codeOf(removeMember(t.db, { userId: finance, accountId: a.accountId }, { userId: member }))).toBe("FORBIDDEN");
    expect(await codeOf(removeMember(t.db, { userId: b.ownerId, accountId: a.accountId }, { userId: member }))).toBe("FORBIDDEN");
    // Nothing changed.
    expect([await roleIn(t.db, a.accountId, a.ownerId), await roleIn(t.db, a.accountId, finance), await roleIn(t.db, a.accountId, member)]).toEqual(["owner", "finance", "member"]);
    expect(await count(t.db, sql`SELECT count(*) AS n FROM invitations WHERE email = ${email}`)).toBe(0);
    // Admins manage non-owners.
    await changeMemberRole(t.db, { userId: admin, accountId: a.accountId }, { userId: member, role: "finance" });
    expect(await roleIn(t.db, a.accountId, member)).toBe("finance");
    // Another account's owner cannot touch A's invitations either.
    const inv = await inviteMember(t.db, { userId: a.ownerId, accountId: a.accountId }, { email, role: "member" });
    if (inv.kind !== "invited") throw new Error("expected an invitation");
    expect(await codeOf(revokeInvitation(t.db, { userId: b.ownerId, accountId: b.accountId }, { invitationId: inv.invitationId }))).toBe("NOT_FOUND");
    await revokeInvitation(t.db, { userId: admin, accountId: a.accountId }, { invitationId: inv.invitationId });
  });
});

describe("owners", () => {
  it("never lets the last owner be removed or demoted, even by two owners demoting each other at once", async () => {
    const a = await makeAccount(t.db, "mem-owner");
    const ctx = { userId: a.ownerId, accountId: a.accountId };
    expect(await codeOf(changeMemberRole(t.db, ctx, { userId: a.ownerId, role: "admin" }))).toBe("CONFLICT");
    expect(await codeOf(removeMember(t.db, ctx, { userId: a.ownerId }))).toBe("CONFLICT");

    const second = await addMember(t.db, a.accountId, "owner", "owner2");
    const results = await Promise.allSettled([
      changeMemberRole(t.db, ctx, { userId: second, role: "member" }),
      changeMemberRole(t.db, { userId: second, accountId: a.accountId }, { userId: a.ownerId, role: "member" }),
      removeMember(t.db, ctx, { userId: second }),
      removeMember(t.db, { userId: second, accountId: a.accountId }, { userId: a.ownerId }),
    ]);
    expect(results.some((r) => r.status === "fulfilled")).toBe(true);
    expect(await count(t.db, sql`SELECT count(*) AS n FROM memberships WHERE account_id = ${a.accountId} AND role = 'owner'`)).toBe(1);
  });

  it("lets a member leave, and checks the session's account in the server actions", async () => {
    const a = await makeAccount(t.db, "mem-leave");
    const b = await makeAccount(t.db, "mem-leave-b");
    const member = await addMember(t.db, a.accountId, "member");
    const other = await addMember(t.db, a.accountId, "finance");
    // A member may not remove someone else, but may leave.
    expect(await removeMemberAction.runAs({ userId: member, accountId: a.accountId }, { userId: other })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await removeMemberAction.runAs({ userId: member, accountId: a.accountId }, { userId: member })).toMatchObject({ ok: true });
    expect(await roleIn(t.db, a.accountId, member)).toBeNull();
    // B's owner asking for account A gets B's context (the preference is checked against memberships), so A's member is not found.
    expect(await changeMemberRoleAction.runAs({ userId: b.ownerId, accountId: a.accountId }, { userId: other, role: "admin" })).toMatchObject({ ok: false, error: { code: "NOT_FOUND" } });
    expect(await roleIn(t.db, a.accountId, other)).toBe("finance");
    expect(await inviteMemberAction.runAs({ userId: a.ownerId }, { email: "not an email", role: "member" })).toMatchObject({ ok: false, error: { code: "VALIDATION", fieldErrors: { email: expect.any(Array) } } });
    expect(await inviteMemberAction.runAs({ userId: a.ownerId }, { email: "x@example.com", role: "superuser" })).toMatchObject({ ok: false, error: { code: "VALIDATION" } });
  });
});
