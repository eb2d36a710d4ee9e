// The server Playwright tests run against: like `npm start`, but on its own port with a fresh
// database (a new PostgreSQL database when DATABASE_URL is set, else a temp PGlite dir) and a
// staff user whose credentials the specs know (see playwright.config.ts).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { getDb } from "@/lib/db";
import { createUserWithAccount, findUserByEmail } from "@/lib/auth/users";
import { closeDb } from "@/lib/db";
import { launcherLocalMode } from "@/lib/env";
import { launch } from "./start/launch";
import { buildIfNeeded, ensureAuthSecret, loadEnvOrExit, migrateAndSeed } from "./start/prepare";

export const E2E_STAFF = { email: "staff@tollgate.local", password: "staff-password-123" };

async function freshDatabase(baseUrl: string): Promise<string> {
  const name = `tollgate_e2e_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    // Databases left by earlier runs that are no longer in use.
    const stale = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'tollgate_e2e_%'");
    for (const { datname } of stale.rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}"`).catch(() => undefined);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function main(): Promise<void> {
  process.env.PORT = process.env.E2E_PORT ?? "3210";
  process.env.MOCK_UPSTREAM_PORT = process.env.E2E_MOCK_PORT ?? "3998";
  process.env.DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-e2e-"));
  process.env.AUTH_SECRET ??= randomBytes(32).toString("base64url");
  const local = process.env.E2E_LOCAL === "1";
  if (local) {
    // Exactly what `npm start` does on a fresh machine: the embedded database, no Stripe keys,
    // and the local evaluation mode that offers the simulated payment to every user.
    delete process.env.DATABASE_URL;
    delete process.env.ALLOW_SIMULATED_PAYMENTS;
    delete process.env.STRIPE_SECRET_KEY;
    process.env.TOLLGATE_LOCAL_MODE = launcherLocalMode() ? "1" : "0";
  } else {
    // The console journey pays through the simulated checkout (no Stripe keys in tests).
    process.env.ALLOW_SIMULATED_PAYMENTS ??= "true";
  }
  if (process.env.DATABASE_URL) process.env.DATABASE_URL = await freshDatabase(process.env.DATABASE_URL);
  const env = loadEnvOrExit();
  buildIfNeeded();
  const authSecret = ensureAuthSecret(env);
  await migrateAndSeed(env);
  const db = await getDb();
  if (!(await findUserByEmail(db, E2E_STAFF.email))) {
    await createUserWithAccount(db, { ...E2E_STAFF, name: "Staff", isStaff: true }, "system");
  }
  await closeDb();
  if (!process.env.DATABASE_URL) process.env.TOLLGATE_PGLITE_SOCKET = "1";
  launch(env, authSecret);
}

main().catch((e: unknown) => {
  process.stderr.write(`[tollgate] e2e server failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
