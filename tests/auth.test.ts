import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineAction } from "@/lib/auth/action";
import { can } from "@/lib/auth/permissions";
import { authenticate, createUserWithAccount } from "@/lib/auth/users";
import { memberships } from "@/db/schema";
import { parseEnv, resetEnvCache } from "@/lib/env";
import { createTestDb, type TestDb } from "./helpers/db";
import { startApp, type TestApp } from "./helpers/app";

let t: TestDb;
let app: TestApp;
beforeAll(async () => {
  process.env.AUTH_SECRET ??= "test-secret-for-auth-tests-0123456789";
  resetEnvCache(); // the app reads the secret through the cached, validated environment
  t = await createTestDb();
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
  await t?.dispose();
});

/** Signs in through next-auth's credentials endpoint, like the browser does; returns the cookie header. */
async function signIn(email: string, password: string): Promise<{ status: number; cookie: string }> {
  const csrfRes = await fetch(`${app.url}/api/auth/csrf`);
  const { csrfToken } = (await csrfRes.json()) as { csrfToken: string };
  const csrfCookie = csrfRes.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const res = await fetch(`${app.url}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: csrfCookie },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
  });
  const cookies = [csrfCookie, ...res.headers.getSetCookie().map((c) => c.split(";")[0])].join("; ");
  return { status: res.status, cookie: cookies };
}

describe("users and passwords", () => {
  it("creates a user who owns a new account; email is unique case-insensitively", async () => {
    const { userId, accountId } = await createUserWithAccount(t.db, { email: "Owner@Example.com", name: "Owner", password: "long enough password" });
    const rows = await t.db.select().from(memberships);
    expect(rows).toContainEqual(expect.objectContaining({ userId, accountId, role: "owner" }));
    await expect(createUserWithAccount(t.db, { email: "owner@example.COM", password: "another password" })).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("stores argon2id hashes and checks passwords", async () => {
    await createUserWithAccount(t.db, { email: "hash@example.com", password: "correct horse battery" });
    const { user } = await authenticate(t.db, "hash@example.com", "correct horse battery");
    expect(user?.passwordHash).toMatch(/^\$argon2id\$/);
    expect((await authenticate(t.db, "hash@example.com", "wrong password")).user).toBeNull();
    expect((await authenticate(t.db, "nobody@example.com", "whatever")).user).toBeNull();
  });
});

describe("sign-in over HTTP (next-auth credentials, JWT session)", () => {
  it("issues a session for the right password and none for a wrong one", async () => {
    await createUserWithAccount(t.db, { email: "web@example.com", name: "Web", password: "web password 123" });
    const bad = await signIn("web@example.com", "nope nope nope");
    const badSession = await (await fetch(`${app.url}/api/auth/session`, { headers: { cookie: bad.cookie } })).json();
    expect(badSession).toEqual({});

    const good = await signIn("web@example.com", "web password 123");
    const session = (await (await fetch(`${app.url}/api/auth/session`, { headers: { cookie: good.cookie } })).json()) as { user?: { email?: string; id?: string } };
    expect(session.user?.email).toBe("web@example.com");
    expect(session.user?.id).toMatch(/^usr_/);
  });

  it("redirects signed-out visitors of the console to /signin", async () => {
    const res = await fetch(`${app.url}/overview`, { redirect: "manual" });
    expect([302, 303, 307, 308]).toContain(res.status);
    expect(res.headers.get("location")).toContain("/signin");
  });
});

describe("defineAction", () => {
  const echo = defineAction({ input: z.object({ n: z.number().int().max(10) }), permission: "billing:write" }, async (ctx, input) => ({ accountId: ctx.accountId, n: input.n }));
  const staffOnly = defineAction({ input: z.object({}), staff: true }, async () => "ok");

  it("takes the account from the session, checks the role and validates input", async () => {
    const owner = await createUserWithAccount(t.db, { email: "act-owner@example.com", password: "password 12345" });
    const member = await createUserWithAccount(t.db, { email: "act-member@example.com", password: "password 12345" });
    await t.db.insert(memberships).values({ accountId: owner.accountId, userId: member.userId, role: "member" });

    expect(await echo.runAs({ userId: owner.userId }, { n: 3 })).toEqual({ ok: true, data: { accountId: owner.accountId, n: 3 } });
    const invalid = await echo.runAs({ userId: owner.userId }, { n: 11 });
    expect(invalid).toMatchObject({ ok: false, error: { code: "VALIDATION", fieldErrors: { n: expect.any(Array) } } });
    // A member of the owner's account may not touch billing there.
    expect(await echo.runAs({ userId: member.userId, accountId: owner.accountId }, { n: 1 })).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    // Asking for an account one does not belong to falls back to one's own account, never the other.
    const stranger = await createUserWithAccount(t.db, { email: "act-stranger@example.com", password: "password 12345" });
    expect(await echo.runAs({ userId: stranger.userId, accountId: owner.accountId }, { n: 1 })).toEqual({ ok: true, data: { accountId: stranger.accountId, n: 1 } });
    expect(await staffOnly.runAs({ userId: owner.userId }, {})).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(await echo.runAs({ userId: "usr_missing" }, { n: 1 })).toMatchObject({ ok: false, error: { code: "UNAUTHENTICATED" } });
  });

  it("role matrix: finance has no keys, members have no billing", () => {
    expect(can("finance", "keys:write")).toBe(false);
    expect(can("finance", "ledger:read")).toBe(true);
    expect(can("member", "billing:read")).toBe(false);
    expect(can("member", "keys:write")).toBe(true);
    expect(can("owner", "members:write")).toBe(true);
  });
});

describe("environment", () => {
  it("names the bad variable", () => {
    expect(() => parseEnv({ PORT: "not-a-port" })).toThrow(/PORT/);
    expect(() => parseEnv({ NODE_ENV: "production" })).toThrow(/AUTH_SECRET/);
    expect(() => parseEnv({ GITHUB_ID: "x" })).toThrow(/GITHUB_SECRET/);
    expect(parseEnv({}).PORT).toBe(3000);
  });
});
