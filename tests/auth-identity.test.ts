// Identity attacks: an invitation squatted by signing up with the invited address, an OAuth
// identity linked to an unverified password user, an old session that outlives a password
// change, and a password that is enough although two-factor is on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import * as OTPAuth from "otpauth";
import { z } from "zod";
import { auditLog, authTokens, memberships, oauthIdentities, users } from "@/db/schema";
import { defineAction } from "@/lib/auth/action";
import { listAccountAudit } from "@/lib/audit/view";
import { authOptions } from "@/lib/auth/options";
import { resolveOAuthSignIn } from "@/lib/auth/oauth";
import { changePassword, requestPasswordReset, resetPassword, signOutEverywhere } from "@/lib/auth/passwords";
import { loadSessionUser } from "@/lib/auth/session";
import { signUp } from "@/lib/auth/sign-up";
import { beginTotpEnrolment, confirmTotpEnrolment, disableTotp } from "@/lib/auth/totp";
import { createUserWithAccount, findUserByEmail } from "@/lib/auth/users";
import { verifyEmail } from "@/lib/auth/verification";
import { resetEnvCache } from "@/lib/env";
import { acceptInvitation, inviteMember } from "@/lib/members";
import { createTestDb, testRedisPrefix, type TestDb } from "./helpers/db";
import { startApp, type TestApp } from "./helpers/app";
import { httpSignIn, sessionOf } from "./helpers/auth-http";
import { startMailCatcher, tokenOf, type MailCatcher } from "./helpers/mail-catcher";

let t: TestDb;
let app: TestApp;
let mail: MailCatcher;
beforeAll(async () => {
  process.env.AUTH_SECRET ??= "test-secret-for-auth-tests-0123456789";
  process.env.TOLLGATE_REDIS_PREFIX = testRedisPrefix();
  mail = await startMailCatcher();
  process.env.SMTP_URL = mail.url;
  process.env.APP_URL = "http://127.0.0.1:9";
  resetEnvCache();
  t = await createTestDb();
  app = await startApp();
});
afterAll(async () => {
  delete process.env.SMTP_URL;
  delete process.env.APP_URL;
  resetEnvCache();
  await app?.close();
  await mail?.close();
  await t?.dispose();
});

const PASSWORD = "the right password 123";
let seq = 0;
const unique = (tag: string) => `${tag}-${Date.now().toString(36)}-${seq++}@example.com`;
const from = () => `198.51.100.${++seq % 250}`;

async function verified(email: string, password = PASSWORD) {
  const created = await createUserWithAccount(t.db, { email, password, emailVerified: true, termsVersion: "test" });
  return created;
}

describe("invitations cannot be squatted", () => {
  it("signing up with an invited address joins nothing, and the squatter cannot use the link", async () => {
    const corp = await verified(unique("corp-owner"));
    const cfo = unique("cfo");
    await inviteMember(t.db, { userId: corp.userId, accountId: corp.accountId }, { email: cfo, role: "finance" });
    const link = await mail.linkFrom(cfo, "/invite");

    // The attacker signs up first with the invited address.
    const res = await signUp(t.db, { name: "Mallory", email: cfo, password: "attacker password 1", acceptTerms: "on" }, { address: from() });
    expect(res.ok).toBe(true);
    const squatter = await findUserByEmail(t.db, cfo);
    const joined = await t.db.select().from(memberships).where(and(eq(memberships.userId, squatter!.id), eq(memberships.accountId, corp.accountId)));
    expect(joined).toHaveLength(0);
    // Even holding the link, an unverified address is refused (verifying needs the real mailbox).
    await expect(acceptInvitation(t.db, { userId: squatter!.id }, tokenOf(link))).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await t.db.select().from(memberships).where(eq(memberships.accountId, corp.accountId))).toHaveLength(1);
  });

  it("sign-up answers the same for a registered address, and tells its owner instead", async () => {
    const taken = unique("taken");
    await verified(taken);
    const fresh = unique("fresh");
    const a = await signUp(t.db, { name: "X", email: taken, password: "some password 12", acceptTerms: "on" }, { address: from() });
    const b = await signUp(t.db, { name: "X", email: fresh, password: "some password 12", acceptTerms: "on" }, { address: from() });
    expect({ ...a, email: "" }).toEqual({ ...b, email: "" });
    expect((await mail.waitFor(taken, /tried to create/)).text).toContain("/forgot-password");
    expect((await mail.waitFor(fresh, /Verify your email/)).text).toContain("/verify-email?token=");
  });
});

describe("email verification", () => {
  it("a single-use link marks the address verified; reused, expired or foreign links do nothing", async () => {
    const email = unique("verify");
    await signUp(t.db, { name: "V", email, password: "verify password 1", acceptTerms: "on" }, { address: from() });
    const user = await findUserByEmail(t.db, email);
    expect(user!.emailVerifiedAt).toBeNull();
    const token = tokenOf(await mail.linkFrom(email, "/verify-email"));
    expect(await t.db.select().from(authTokens).where(eq(authTokens.tokenHash, token))).toHaveLength(0); // stored hashed
    const both = await Promise.allSettled([verifyEmail(t.db, token), verifyEmail(t.db, token)]);
    expect(both.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect((await findUserByEmail(t.db, email))!.emailVerifiedAt).not.toBeNull();
    await expect(verifyEmail(t.db, "A".repeat(43))).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(verifyEmail(t.db, { $ne: null })).rejects.toMatchObject({ code: "NOT_FOUND" });

    // The verify page shows a button and does not use the link by itself (mail scanners fetch links).
    const other = unique("verify-page");
    await signUp(t.db, { name: "V", email: other, password: "verify password 1", acceptTerms: "on" }, { address: from() });
    const otherToken = tokenOf(await mail.linkFrom(other, "/verify-email"));
    const page = await fetch(`${app.url}/verify-email?token=${otherToken}`);
    expect(await page.text()).toContain("Verify my email");
    expect((await findUserByEmail(t.db, other))!.emailVerifiedAt).toBeNull();
    await t.db.update(authTokens).set({ expiresAt: new Date(Date.now() - 1) }).where(eq(authTokens.email, other));
    await expect(verifyEmail(t.db, otherToken)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("OAuth linking", () => {
  const google = (subject: string, email: string, emailVerified: boolean) => ({ provider: "google", subject, email, emailVerified, name: "G" });

  it("never links a provider to a user whose own email is unverified", async () => {
    // The attacker registered victim@gmail.com with a password and never verified it.
    const victim = unique("victim");
    await signUp(t.db, { name: "Attacker", email: victim, password: "attacker password 1", acceptTerms: "on" }, { address: from() });
    const squatter = await findUserByEmail(t.db, victim);
    // The victim's later Google sign-in (Google verified the address) must not land in that user.
    expect(await resolveOAuthSignIn(t.db, google("g-victim", victim, true))).toEqual({ ok: false, reason: "link_refused" });
    // Through next-auth's own callback: refused with the explanatory page.
    const callbacks = authOptions().callbacks!;
    const answer = await callbacks.signIn!({ user: { id: "g-victim", email: victim, name: "Victim" }, account: { type: "oauth", provider: "google", providerAccountId: "g-victim" }, profile: { email_verified: true } } as never);
    expect(answer).toBe("/signin?error=OAuthLinkRefused");
    expect(await t.db.select().from(oauthIdentities).where(eq(oauthIdentities.userId, squatter!.id))).toHaveLength(0);
  });

  it("never links when the provider does not vouch for the email", async () => {
    const owner = unique("owner-oauth");
    await verified(owner);
    expect(await resolveOAuthSignIn(t.db, google("g-unverified", owner, false))).toEqual({ ok: false, reason: "link_refused" });
  });

  it("links when both sides verified the address, then signs in by (provider, subject)", async () => {
    const email = unique("linkable");
    const { userId } = await verified(email);
    const linked = await resolveOAuthSignIn(t.db, google("g-linkable", email, true));
    expect(linked).toMatchObject({ ok: true, userId, linked: true });
    expect(await t.db.select().from(oauthIdentities).where(eq(oauthIdentities.subject, "g-linkable"))).toEqual([expect.objectContaining({ provider: "google", userId })]);
    // The identity is the subject, not the email: a changed email at the provider still signs in here.
    expect(await resolveOAuthSignIn(t.db, google("g-linkable", "renamed@example.com", false))).toMatchObject({ ok: true, userId, linked: false });
  });

  it("a new OAuth user starts without accepted terms (the console asks first)", async () => {
    const email = unique("new-oauth");
    const outcome = await resolveOAuthSignIn(t.db, google("g-new", email, true));
    expect(outcome).toMatchObject({ ok: true, created: true });
    const user = await loadSessionUser(t.db, outcome.ok ? outcome.userId : "");
    expect(user).toMatchObject({ emailVerified: true, termsAccepted: false });
  });
});

describe("terms gate", () => {
  it("a user who never accepted the current terms is sent to accept them before the console", async () => {
    const email = unique("no-terms");
    await createUserWithAccount(t.db, { email, password: PASSWORD, emailVerified: true });
    const s = await httpSignIn(app.url, { email, password: PASSWORD }, { forwardedFor: from() });
    const page = await fetch(`${app.url}/keys`, { headers: { cookie: s.cookie }, redirect: "manual" });
    expect(page.headers.get("location")).toContain("/accept-terms");
    const accept = await fetch(`${app.url}/accept-terms`, { headers: { cookie: s.cookie } });
    expect(await accept.text()).toContain("I am 18 or older");
  });
});

describe("sessions end with a password change, a reset, or sign out everywhere", () => {
  it("an old session stops working after a password change", async () => {
    const email = unique("change");
    const { userId } = await verified(email);
    const laptop = await httpSignIn(app.url, { email, password: PASSWORD }, { forwardedFor: from() });
    const stolen = await httpSignIn(app.url, { email, password: PASSWORD }, { forwardedFor: from() });
    expect((await sessionOf(app.url, stolen.cookie)).user?.email).toBe(email);

    await expect(changePassword(t.db, userId, { currentPassword: "not my password", newPassword: "brand new password 1" })).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    expect((await sessionOf(app.url, stolen.cookie)).user?.email).toBe(email);
    await changePassword(t.db, userId, { currentPassword: PASSWORD, newPassword: "brand new password 1" });

    for (const old of [laptop, stolen]) {
      expect((await sessionOf(app.url, old.cookie)).user).toBeUndefined();
      const page = await fetch(`${app.url}/overview`, { headers: { cookie: old.cookie }, redirect: "manual" });
      expect(page.headers.get("location")).toContain("/signin");
    }
    expect((await httpSignIn(app.url, { email, password: PASSWORD }, { forwardedFor: from() })).error).toBe("CredentialsSignin");
    expect((await httpSignIn(app.url, { email, password: "brand new password 1" }, { forwardedFor: from() })).error).toBeNull();
  });

  it("a reset link works once, for an hour, ends every session and proves the mailbox", async () => {
    const email = unique("reset");
    await signUp(t.db, { name: "R", email, password: PASSWORD, acceptTerms: "on" }, { address: from() });
    const before = await httpSignIn(app.url, { email, password: PASSWORD }, { forwardedFor: from() });
    await requestPasswordReset(t.db, email, { address: from() });
    // Unknown addresses get the same (silent) treatment.
    await expect(requestPasswordReset(t.db, unique("nobody"), { address: from() })).resolves.toBeUndefined();
    const token = tokenOf(await mail.linkFrom(email, "/reset-password"));
    await resetPassword(t.db, token, "reset password 123");
    await expect(resetPassword(t.db, token, "second reset 12345")).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await sessionOf(app.url, before.cookie)).user).toBeUndefined();
    const user = await findUserByEmail(t.db, email);
    expect(user!.emailVerifiedAt).not.toBeNull();
    expect((await httpSignIn(app.url, { email, password: "reset password 123" }, { forwardedFor: from() })).error).toBeNull();

    await requestPasswordReset(t.db, email, { address: from() });
    const late = tokenOf(await mail.linkFrom(email, "/reset-password"));
    await t.db.update(authTokens).set({ expiresAt: sql`now() - interval '1 second'` }).where(and(eq(authTokens.userId, user!.id), eq(authTokens.kind, "reset_password")));
    await expect(resetPassword(t.db, late, "too late password 1")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("sign out everywhere ends every session", async () => {
    const email = unique("everywhere");
    const { userId } = await verified(email);
    const s = await httpSignIn(app.url, { email, password: PASSWORD }, { forwardedFor: from() });
    expect((await sessionOf(app.url, s.cookie)).user?.email).toBe(email);
    await signOutEverywhere(t.db, userId);
    expect((await sessionOf(app.url, s.cookie)).user).toBeUndefined();
  });
});

describe("two-factor sign-in", () => {
  async function enrol(userId: string) {
    const { secret, otpauthUrl, qrDataUrl } = await beginTotpEnrolment(t.db, userId);
    expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\/Tollgate:/);
    expect(qrDataUrl).toMatch(/^data:image\/png;base64,/);
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
    const stored = await t.db.select({ s: users.totpSecret }).from(users).where(eq(users.id, userId));
    expect(stored[0].s).not.toContain(secret); // encrypted at rest
    const { recoveryCodes } = await confirmTotpEnrolment(t.db, userId, totp.generate());
    return { totp, recoveryCodes };
  }

  it("with TOTP on, the password alone gets no session; the code works once; recovery codes work once", async () => {
    const email = unique("totp");
    const { userId, accountId } = await verified(email);
    const { totp, recoveryCodes } = await enrol(userId);
    expect(recoveryCodes).toHaveLength(10);

    const passwordOnly = await httpSignIn(app.url, { email, password: PASSWORD }, { forwardedFor: from() });
    expect(passwordOnly.error).toBe("TwoFactorRequired");
    expect((await sessionOf(app.url, passwordOnly.cookie)).user).toBeUndefined();
    const wrong = await httpSignIn(app.url, { email, password: PASSWORD, code: "000000" }, { forwardedFor: from() });
    expect(wrong.error).toBe("TwoFactorInvalid");
    expect((await sessionOf(app.url, wrong.cookie)).user).toBeUndefined();
    // A right code with a wrong password is still a wrong password.
    expect((await httpSignIn(app.url, { email, password: "wrong password", code: totp.generate({ timestamp: Date.now() + 30_000 }) }, { forwardedFor: from() })).error).toBe("CredentialsSignin");

    const next = totp.generate({ timestamp: Date.now() + 30_000 }); // the enrolment used the current step
    const ok = await httpSignIn(app.url, { email, password: PASSWORD, code: next }, { forwardedFor: from() });
    expect(ok.error).toBeNull();
    expect((await sessionOf(app.url, ok.cookie)).user?.email).toBe(email);
    expect((await httpSignIn(app.url, { email, password: PASSWORD, code: next }, { forwardedFor: from() })).error).toBe("TwoFactorInvalid");

    const recovery = recoveryCodes[0].toUpperCase();
    expect((await httpSignIn(app.url, { email, password: PASSWORD, code: recovery }, { forwardedFor: from() })).error).toBeNull();
    expect((await httpSignIn(app.url, { email, password: PASSWORD, code: recovery }, { forwardedFor: from() })).error).toBe("TwoFactorInvalid");

    const actions = (await t.db.select({ action: auditLog.action, data: auditLog.data }).from(auditLog).where(eq(auditLog.accountId, accountId))).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(["auth.2fa_enable", "auth.sign_in", "auth.sign_in_failed", "auth.2fa_recovery_used"]));

    await expect(disableTotp(t.db, userId, "123456")).rejects.toMatchObject({ code: "INVALID_REQUEST" });
    await disableTotp(t.db, userId, recoveryCodes[1]);
    expect((await httpSignIn(app.url, { email, password: PASSWORD }, { forwardedFor: from() })).error).toBeNull();
  });

  it("STAFF_REQUIRE_2FA keeps staff tools closed until two-factor is on", async () => {
    const staffTool = defineAction({ input: z.object({}), staff: true }, async () => "done");
    const { userId } = await createUserWithAccount(t.db, { email: unique("staff"), password: PASSWORD, isStaff: true, emailVerified: true });
    process.env.STAFF_REQUIRE_2FA = "true";
    resetEnvCache();
    try {
      expect(await staffTool.runAs({ userId }, {})).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
      await enrol(userId);
      expect(await staffTool.runAs({ userId }, {})).toEqual({ ok: true, data: "done" });
    } finally {
      delete process.env.STAFF_REQUIRE_2FA;
      resetEnvCache();
    }
  });
});

describe("customer audit view", () => {
  it("owners and admins see the account's entries with sign-ins, filtered and paged; others are refused", async () => {
    const email = unique("audit-owner");
    const { userId, accountId } = await verified(email);
    const member = await verified(unique("audit-member"));
    await t.db.insert(memberships).values({ accountId, userId: member.userId, role: "member" });
    await httpSignIn(app.url, { email, password: PASSWORD }, { forwardedFor: from() });
    await httpSignIn(app.url, { email, password: "wrong password" }, { forwardedFor: from() });
    const ctx = { userId, accountId };
    const security = await listAccountAudit(t.db, ctx, { category: "security" });
    expect(security.rows.map((r) => r.action)).toEqual(expect.arrayContaining(["auth.sign_in", "auth.sign_in_failed"]));
    expect(security.rows.every((r) => r.action.startsWith("auth.") || r.action.startsWith("user."))).toBe(true);
    const page1 = await listAccountAudit(t.db, ctx, { limit: 1 });
    expect(page1.rows).toHaveLength(1);
    const page2 = await listAccountAudit(t.db, ctx, { limit: 1, cursor: page1.nextCursor! });
    expect(page2.rows[0].id).not.toBe(page1.rows[0].id);
    expect((await listAccountAudit(t.db, ctx, { actor: "%" })).rows).toHaveLength(0);
    await expect(listAccountAudit(t.db, { userId: member.userId, accountId }, {})).rejects.toMatchObject({ code: "FORBIDDEN" });
    // Another account's owner sees nothing of this one.
    const other = await verified(unique("audit-other"));
    const theirs = await listAccountAudit(t.db, { userId: other.userId, accountId: other.accountId }, {});
    expect(theirs.rows.some((r) => r.targetId === userId)).toBe(false);
  });
});
