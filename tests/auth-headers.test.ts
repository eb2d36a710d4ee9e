// Attacks on the console's pages: framing (clickjacking key rotation or role changes), script
// injection without a nonce, an open redirect through callbackUrl, and sign-up without terms.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { users } from "@/db/schema";
import { signUp } from "@/lib/auth/sign-up";
import { safeCallbackPath, sameOriginPath } from "@/lib/auth/redirect";
import { TERMS_VERSION } from "@/lib/auth/terms";
import { shouldSeedDemo } from "@/scripts/start/prepare";
import { resetEnvCache } from "@/lib/env";
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

function nonceOf(csp: string | null): string {
  const m = /'nonce-([^']+)'/.exec(csp ?? "");
  if (!m) throw new Error(`no nonce in CSP: ${csp}`);
  return m[1];
}

describe("security headers", () => {
  it("forbids framing and sniffing on every page, signed in or not", async () => {
    for (const path of ["/signin", "/signup", "/terms", "/overview", "/keys", "/members"]) {
      const res = await fetch(`${app.url}${path}`, { redirect: "manual" });
      const csp = res.headers.get("content-security-policy");
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("object-src 'none'");
      expect(csp, path).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
      expect(csp, path).not.toContain("unsafe-eval");
      expect(res.headers.get("x-frame-options"), path).toBe("DENY");
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(res.headers.get("referrer-policy"), path).toBe("strict-origin-when-cross-origin");
      expect(res.headers.get("permissions-policy"), path).toContain("camera=()");
      // APP_URL is http here: no HSTS (it would pin a plain-HTTP install to HTTPS).
      expect(res.headers.get("strict-transport-security"), path).toBeNull();
    }
  });

  it("puts a fresh nonce on every script Next.js renders, and no script without it", async () => {
    const a = await fetch(`${app.url}/signin`);
    const b = await fetch(`${app.url}/signin`);
    const nonce = nonceOf(a.headers.get("content-security-policy"));
    expect(nonceOf(b.headers.get("content-security-policy"))).not.toBe(nonce);
    const html = await a.text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
  });

  it("sends the static headers on API responses too", async () => {
    const res = await fetch(`${app.url}/api/v1/health`);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
  });

  it("sends HSTS only when APP_URL is https", async () => {
    const before = process.env.APP_URL;
    process.env.APP_URL = "https://console.example.com";
    resetEnvCache(); // proxy.ts reads APP_URL through the cached, validated environment
    try {
      const res = await fetch(`${app.url}/signin`);
      expect(res.headers.get("strict-transport-security")).toMatch(/^max-age=\d{8,}/);
      expect(res.headers.get("content-security-policy")).toContain("upgrade-insecure-requests");
    } finally {
      if (before === undefined) delete process.env.APP_URL;
      else process.env.APP_URL = before;
      resetEnvCache();
    }
  });
});

describe("callbackUrl", () => {
  it("refuses anything that leaves the origin, however it is encoded", () => {
    for (const evil of [
      "/%5Cevil.com",
      "/%5cevil.com",
      "/\\evil.com",
      "//evil.com",
      "/%2F%2Fevil.com",
      "/%252F%252Fevil.com",
      "/%09/evil.com",
      "https://evil.com/overview",
      "javascript:alert(1)",
      "evil.com",
      "/%E0%A4%A",
      "",
    ]) {
      expect(sameOriginPath(evil, "http://127.0.0.1:3000"), evil).toBeNull();
      expect(safeCallbackPath(evil), evil).toBe("/overview");
    }
  });

  it("keeps same-origin paths with their query", () => {
    expect(safeCallbackPath("/keys?x=1#top")).toBe("/keys?x=1#top");
    expect(sameOriginPath("http://127.0.0.1:3000/usage?page=2", "http://127.0.0.1:3000")).toBe("/usage?page=2");
  });

  it("the sign-in page never hands an off-site callbackUrl to the browser", async () => {
    // The form's callbackUrl prop, as serialised into the page.
    const propOf = async (callbackUrl: string) => {
      const html = await (await fetch(`${app.url}/signin?callbackUrl=${encodeURIComponent(callbackUrl)}`)).text();
      return /\\"callbackUrl\\":\\"([^"\\]*)\\"/.exec(html)?.[1];
    };
    expect(await propOf("/%5Cevil.com")).toBe("/overview");
    expect(await propOf("//evil.com/x")).toBe("/overview");
    expect(await propOf("/billing?tab=topup")).toBe("/billing?tab=topup");
  });
});

describe("terms at sign-up", () => {
  const form = (fields: Record<string, string>) => fields;
  const signUpAction = (_prev: null, fields: Record<string, string>) => signUp(t.db, fields, { address: "198.51.100.7" });

  it("refuses a sign-up without the checkbox and records version and time when accepted", async () => {
    const email = `terms-${Date.now()}@example.com`;
    const refused = await signUpAction(null, form({ name: "T", email, password: "long enough password" }));
    expect(refused.ok).toBe(false);
    expect(refused.fieldErrors?.acceptTerms?.[0]).toMatch(/18 or older/);
    expect(await t.db.select().from(users).where(eq(users.email, email))).toHaveLength(0);
    expect((await signUpAction(null, form({ name: "T", email, password: "long enough password", acceptTerms: "yes please" }))).ok).toBe(false);

    const before = Date.now();
    expect((await signUpAction(null, form({ name: "T", email, password: "long enough password", acceptTerms: "on" }))).ok).toBe(true);
    const [user] = await t.db.select().from(users).where(eq(users.email, email));
    expect(user.termsVersion).toBe(TERMS_VERSION);
    expect(user.termsAcceptedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });
});

describe("demo user", () => {
  it("is seeded only in embedded mode or when asked", () => {
    expect(shouldSeedDemo({ DATABASE_URL: undefined, SEED_DEMO: undefined })).toBe(true);
    expect(shouldSeedDemo({ DATABASE_URL: "postgres://db/prod", SEED_DEMO: undefined })).toBe(false);
    expect(shouldSeedDemo({ DATABASE_URL: "postgres://db/prod", SEED_DEMO: "true" })).toBe(true);
    expect(shouldSeedDemo({ DATABASE_URL: undefined, SEED_DEMO: "false" })).toBe(false);
  });
});
