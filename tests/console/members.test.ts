// Members and invitations: role rules enforced on the server, the last owner protected even
// against concurrent demotions, invitations accepted only by emailed link with a verified address.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { changeMemberRoleAction, inviteMemberAction, removeMemberAction } from "@/app/(console)/members/actions";
import { eq, inArray } from "drizzle-orm";
import { invitations, users } from "@/db/schema";
import { resetEnvCache } from "@/lib/env";
import { acceptInvitation, changeMemberRole, inviteMember, listMembers, removeMember, revokeInvitation } from "@/lib/members";
import { startMailCatcher, tokenOf, type MailCatcher } from "../helpers/mail-catcher";
import { createTestDb, type TestDb } from "../helpers/db";
import { addMember, codeOf, count, makeAccount, makeUser, roleIn } from "./fixtures";

let t: TestDb;
let mail: MailCatcher;
beforeAll(async () => {
  t = await createTestDb();
  mail = await startMailCatcher();
  process.env.SMTP_URL = mail.url;
  resetEnvCache();
});
afterAll(async () => {
  delete process.env.SMTP_URL;
  resetEnvCache();
  await mail?.close();
  await t.dispose();
});

describe("inviting", () => {
  it("sends a single-use 7-day link; only the invited, verified address can use it, once", async () => {
    const a = await makeAccount(t.db, "mem-inv");
    const ctx = { userId: a.ownerId, accountId: a.accountId };
    const existing = await makeUser(t.db, { tag: "existing" });
    const stranger = `newcomer-${Date.now()}@example.com`;
    // The same answer for a registered and an unregistered address, and nobody is added yet.
    const forExisting = await inviteMember(t.db, ctx, { email: existing.email.toUpperCase(), role: "finance" });
    const forStranger = await inviteMember(t.db, ctx, { email: stranger, role: "member" });
    expect(Object.keys(forExisting)).toEqual(Object.keys(forStranger));
    expect([forExisting.kind, forStranger.kind]).toEqual(["invited", "invited"]);
    expect(await roleIn(t.db, a.accountId, existing.userId)).toBeNull();

    // Re-inviting updates the pending invitation and replaces its link.
    const firstLink = await mail.linkFrom(existing.email, "/invite");
    await inviteMember(t.db, ctx, { email: existing.email, role: "admin" });
    const link = await mail.linkFrom(existing.email, "/invite");
    expect(link).not.toBe(firstLink);
    const listed = await listMembers(t.db, ctx);
    const pending = listed.invitations.filter((i) => i.email === existing.email);
    expect(pending.map((i) => i.role)).toEqual(["admin"]);
    expect(pending[0].expiresAt.getTime() - Date.now()).toBeGreaterThan(6.9 * 24 * 3600_000);
    expect(await codeOf(acceptInvitation(t.db, { userId: existing.userId }, tokenOf(firstLink)))).toBe("NOT_FOUND");

    // Unverified: refused. Another (verified) user holding the link: refused.
    expect(await codeOf(acceptInvitation(t.db, { userId: existing.userId }, tokenOf(link)))).toBe("FORBIDDEN");
    const other = await makeUser(t.db, { tag: "other" });
    await t.db.update(users).set({ emailVerifiedAt: new Date() }).where(inArray(users.id, [other.userId, existing.userId]));
    expect(await codeOf(acceptInvitation(t.db, { userId: other.userId }, tokenOf(link)))).toBe("FORBIDDEN");
    // The invited, verified user: two concurrent uses of the link, exactly one joins.
    const both = await Promise.allSettled([acceptInvitation(t.db, { userId: existing.userId }, tokenOf(link)), acceptInvitation(t.db, { userId: existing.userId }, tokenOf(link))]);
    expect(both.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await roleIn(t.db, a.accountId, existing.userId)).toBe("admin");
    expect(await roleIn(t.db, a.accountId, other.userId)).toBeNull();
    expect((await listMembers(t.db, ctx)).invitations.some((i) => i.email === existing.email)).toBe(false);
    expect(await codeOf(inviteMember(t.db, ctx, { email: existing.email, role: "member" }))).toBe("CONFLICT");

    // Expired and revoked links are dead; garbage is refused without a lookup.
    const late = await makeUser(t.db, { tag: "late" });
    await t.db.update(users).set({ emailVerifiedAt: new Date() }).where(eq(users.id, late.userId));
    await inviteMember(t.db, ctx, { email: late.email, role: "member" });
    await t.db.update(invitations).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invitations.email, late.email));
    expect((await listMembers(t.db, ctx)).invitations.some((i) => i.email === late.email)).toBe(false);
    expect(await codeOf(acceptInvitation(t.db, { userId: late.userId }, tokenOf(await mail.linkFrom(late.email, "/invite"))))).toBe("NOT_FOUND");
    const inv = await inviteMember(t.db, ctx, { email: late.email, role: "member" });
    await revokeInvitation(t.db, ctx, { invitationId: inv.invitationId });
    expect(await codeOf(acceptInvitation(t.db, { userId: late.userId }, tokenOf(await mail.linkFrom(late.email, "/invite"))))).toBe("NOT_FOUND");
    for (const junk of ["", "x".repeat(5000), "' OR 1=1 --", null, 42]) expect(await codeOf(acceptInvitation(t.db, { userId: late.userId }, junk))).toBe("NOT_FOUND");
    expect(await roleIn(t.db, a.accountId, late.userId)).toBeNull();

    expect(await count(t.db, sql`SELECT count(*) AS n FROM audit_log WHERE account_id = ${a.accountId} AND action IN ('member.invite', 'member.invite_accept')`)).toBe(6);
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
