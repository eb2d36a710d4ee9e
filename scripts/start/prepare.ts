// Everything `npm start` does before serving: validate env, build if needed, migrate, seed.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { closeDb, getDbHandle } from "@/lib/db";
import { parseEnv, EnvError, type Env } from "@/lib/env";
import { TERMS_VERSION } from "@/lib/auth/terms";
import { createUserWithAccount, findUserByEmail } from "@/lib/auth/users";
import { log } from "@/lib/log";

export const DEMO_EMAIL = "demo@tollgate.local";

export function loadEnvOrExit(): Env {
  try {
    return parseEnv();
  } catch (e) {
    if (e instanceof EnvError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

export function nextBin(): string {
  return createRequire(import.meta.url).resolve("next/dist/bin/next");
}

export function distDir(): string {
  // Raw, like next.config.ts's own read of it, which it must agree with (the config is evaluated
  // by `next build`, where the runtime schema would wrongly demand production secrets).
  return process.env.NEXT_DIST_DIR || ".next";
}

export function buildIfNeeded(): void {
  if (fs.existsSync(path.join(distDir(), "BUILD_ID"))) return;
  log("start").info("no production build found: running `next build` (first start only)…");
  const result = spawnSync(process.execPath, [nextBin(), "build"], { stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (result.status !== 0) {
    process.stderr.write("[tollgate] build failed\n");
    process.exit(result.status ?? 1);
  }
}

/** AUTH_SECRET, or one generated once under DATA_DIR for a local install. */
export function ensureAuthSecret(env: Env): string {
  if (env.AUTH_SECRET) return env.AUTH_SECRET;
  const file = path.resolve(env.DATA_DIR, "auth-secret");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32).toString("base64url"), { mode: 0o600 });
  log("start").warn({ file }, "AUTH_SECRET not set: using the secret stored under DATA_DIR (set AUTH_SECRET for real deployments)");
  return fs.readFileSync(file, "utf8").trim();
}

const isOn = (v: string | undefined) => v === "true" || v === "1";

/**
 * The demo user exists for trying Tollgate locally: it is seeded in the embedded mode (no
 * DATABASE_URL) or when SEED_DEMO=true, never on a real database unless asked.
 */
export function shouldSeedDemo(env: Pick<Env, "DATABASE_URL" | "SEED_DEMO">): boolean {
  if (env.SEED_DEMO !== undefined) return isOn(env.SEED_DEMO);
  return !env.DATABASE_URL;
}

/** Migrates, seeds models, and (see shouldSeedDemo) the demo user, whose password is printed once. */
export async function migrateAndSeed(env: Env): Promise<void> {
  const handle = await getDbHandle(); // migrates
  const { seedModels } = await import("@/lib/models");
  await seedModels(handle.db);
  if (shouldSeedDemo(env)) await seedDemo(env, handle.db);
  await closeDb(); // the embedded database allows one process at a time: hand it to the server
}

async function seedDemo(env: Env, db: Awaited<ReturnType<typeof getDbHandle>>["db"]): Promise<void> {
  const credsFile = path.resolve(env.DATA_DIR, "demo-credentials.json");
  if (await findUserByEmail(db, DEMO_EMAIL)) {
    log("start").info(`demo user: ${DEMO_EMAIL} (password in ${credsFile})`);
    return;
  }
  const password = randomBytes(9).toString("base64url");
  const created = await createUserWithAccount(db, { email: DEMO_EMAIL, name: "Demo", password, emailVerified: true, termsVersion: TERMS_VERSION }, "system");
  const { creditAccount } = await import("@/lib/ledger");
  await creditAccount(db, { accountId: created.accountId, kind: "promo", amountMicros: BigInt(5_000_000), reason: "Demo credits", actor: { kind: "system" } });
  fs.mkdirSync(path.dirname(credsFile), { recursive: true });
  fs.writeFileSync(credsFile, JSON.stringify({ email: DEMO_EMAIL, password }, null, 2), { mode: 0o600 });
  log("start").info(`demo user created: ${DEMO_EMAIL}  password: ${password}  (also in ${credsFile})`);
}
