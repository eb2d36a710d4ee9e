// Password guessing: failed sign-ins are limited per email and per client address in the
// shared rate-limit store (real Redis here), with a growing wait, and locked attempts are refused
// before any password hash is computed. Sign-ups are limited per address.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { auditLog, users } from "@/db/schema";
import { createUserWithAccount } from "@/lib/auth/users";
import { signUp } from "@/lib/auth/sign-up";
import { signInKeys } from "@/lib/auth/throttle";
import { getLimitStore } from "@/lib/ratelimit";
import { resetEnvCache } from "@/lib/env";
import { createTestDb, testRedisPrefix, type TestDb } from "./helpers/db";
import { startApp, type TestApp } from "./helpers/app";
import { httpSignIn, sessionOf } from "./helpers/auth-http";

let t: TestDb;
let app: TestApp;
beforeAll(async () => {
  process.env.AUTH_SECRET ??= "test-secret-for-auth-tests-0123456789";
  process.env.TOLLGATE_REDIS_PREFIX = testRedisPrefix();
  resetEnvCache(); // the app reads both through the cached, validated environment
  t = await createTestDb();
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
  await t?.dispose();
});

const PASSWORD = "the right password 123";
let n = 0;
const address = () => `203.0.113.${++n}`;

describe("failed sign-ins per email", () => {
  it("40 wrong passwords: the 11th and later are refused with the wait, even the right password", async () => {
    const email = `victim-${Date.now()}@example.com`;
    const { userId, accountId } = await createUserWithAccount(t.db, { email, password: PASSWORD, termsVersion: "x" });
    const errors: (string | null)[] = [];
    const started = Date.now();
    // Different addresses: only the per-email limit is in play.
    for (let i = 0; i < 40; i++) errors.push((await httpSignIn(app.url, { email, password: `guess number ${i}` }, { forwardedFor: address() })).error);
    const elapsed = Date.now() - started;
    expect(errors.slice(0, 9)).toEqual(Array(9).fill("CredentialsSignin"));
    // The 10th failure starts the lock (its own answer is still the plain failure).
    expect(errors[9]).toBe("CredentialsSignin");
    for (const e of errors.slice(10)) expect(e).toBe("Too many attempts, try again in 5 minutes");

    const right = await httpSignIn(app.url, { email, password: PASSWORD }, { forwardedFor: address() });
    expect(right.error).toBe("Too many attempts, try again in 5 minutes");
    expect((await sessionOf(app.url, right.cookie)).user).toBeUndefined();

    // Only the ten real failures were audited (and the lock), in the user's account.
    const audited = await t.db.select({ action: auditLog.action }).from(auditLog).where(and(eq(auditLog.accountId, accountId), eq(auditLog.targetId, userId)));
    expect(audited.filter((a) => a.action === "auth.sign_in_failed")).toHaveLength(10);
    expect(audited.filter((a) => a.action === "auth.sign_in_locked")).toHaveLength(1);
    expect(elapsed).toBeLessThan(30_000);
  });

  it("the wait grows with each failure after a lock ends, and a success clears the count", async () => {
    const email = `grow-${Date.now()}@example.com`;
    await createUserWithAccount(t.db, { email, password: PASSWORD });
    for (let i = 0; i < 10; i++) await httpSignIn(app.url, { email, password: "wrong password" }, { forwardedFor: address() });
    const store = await getLimitStore();
    const keys = signInKeys("email", email);
    // The lock runs out (the failures are still counted): the next failure locks for twice as long.
    await store.redis.eval(`return redis.call("DEL", KEYS[1])`, [keys.lock], []);
    expect((await httpSignIn(app.url, { email, password: "wrong again" }, { forwardedFor: address() })).error).toBe("CredentialsSignin");
    expect((await httpSignIn(app.url, { email, password: PASSWORD }, { forwardedFor: address() })).error).toBe("Too many attempts, try again in 10 minutes");
    await store.redis.eval(`return redis.call("DEL", KEYS[1])`, [keys.lock], []);
    const ok = await httpSignIn(app.url, { email, password: PASSWORD }, { forwardedFor: address() });
    expect(ok.error).toBeNull();
    expect((await sessionOf(app.url, ok.cookie)).user?.email).toBe(email);
    expect(Number(await store.redis.eval(`return redis.call("EXISTS", KEYS[1])`, [keys.count], []))).toBe(0);
  });
});

describe("failed sign-ins per client address", () => {
  it("a spray over many emails from one address is cut off, for known and unknown emails alike", async () => {
    const from = address();
    const errors: (string | null)[] = [];
    for (let i = 0; i < 32; i++) errors.push((await httpSignIn(app.url, { email: `spray-${i}-${Date.now()}@example.com`, password: "password123" }, { forwardedFor: from })).error);
    expect(errors.slice(0, 30).every((e) => e === "CredentialsSignin")).toBe(true);
    expect(errors.slice(30)).toEqual(Array(2).fill("Too many attempts, try again in 5 minutes"));
    // Another address is unaffected.
    const email = `other-${Date.now()}@example.com`;
    await createUserWithAccount(t.db, { email, password: PASSWORD });
    expect((await httpSignIn(app.url, { email, password: PASSWORD }, { forwardedFor: address() })).error).toBeNull();
    expect((await httpSignIn(app.url, { email, password: PASSWORD }, { forwardedFor: from })).error).toBe("Too many attempts, try again in 5 minutes");
  });
});

describe("sign-ups per client address", () => {
  it("allows 10 an hour from one address, then says how long to wait", async () => {
    const from = address();
    const results = [];
    for (let i = 0; i < 12; i++) {
      results.push(await signUp(t.db, { name: "S", email: `signup-${i}-${Date.now()}@example.com`, password: "long enough password", acceptTerms: "on" }, { address: from }));
    }
    expect(results.slice(0, 10).every((r) => r.ok)).toBe(true);
    expect(results.slice(10).map((r) => r.formError)).toEqual(Array(2).fill("Too many attempts, try again in 60 minutes"));
    const [{ n: created }] = await t.db.select({ n: sql<number>`count(*)::int` }).from(users).where(sql`${users.email} LIKE 'signup-%'`);
    expect(created).toBe(10);
    expect((await signUp(t.db, { name: "S", email: `signup-elsewhere-${Date.now()}@example.com`, password: "long enough password", acceptTerms: "on" }, { address: address() })).ok).toBe(true);
  });
});
