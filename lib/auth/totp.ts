// Two-factor sign-in with TOTP (RFC 6238 via otpauth). The shared secret is stored encrypted
// (AES-256-GCM, key derived from AUTH_SECRET); each code is accepted once (the last used time
// step is kept and must grow); recovery codes are stored as SHA-256 hashes and work once.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { and, eq, isNull, or, lt, sql } from "drizzle-orm";
import * as OTPAuth from "otpauth";
import QRCode from "qrcode";
import { recoveryCodes, users } from "@/db/schema";
import type { Db, DbOrTx } from "@/lib/db";
import { env } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { auditUserEvent } from "./events";
import { authSecret } from "./secret";

const ISSUER = "Tollgate";
const RECOVERY_CODE_COUNT = 10;

function key(): Buffer {
  return Buffer.from(hkdfSync("sha256", authSecret(), "tollgate-totp", "totp-secret-v1", 32));
}

export function sealSecret(base32: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  const ct = Buffer.concat([cipher.update(base32, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), ct.toString("base64url")].join(".");
}

export function openSecret(sealed: string): string {
  const [v, iv, tag, ct] = sealed.split(".");
  if (v !== "v1" || !iv || !tag || !ct) throw new Error("unknown TOTP secret format");
  const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  return Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
}

function totpFor(base32: string, label: string): OTPAuth.TOTP {
  return new OTPAuth.TOTP({ issuer: ISSUER, label, algorithm: "SHA1", digits: 6, period: 30, secret: OTPAuth.Secret.fromBase32(base32) });
}

function hashRecoveryCode(code: string): string {
  return createHash("sha256").update(normalizeRecoveryCode(code)).digest("base64url");
}

function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9]/g, "");
}

function newRecoveryCode(): string {
  const raw = randomBytes(10).toString("hex"); // 80 bits
  return `${raw.slice(0, 5)}-${raw.slice(5, 10)}-${raw.slice(10, 15)}-${raw.slice(15)}`;
}

async function userRow(db: DbOrTx, userId: string) {
  const [row] = await db
    .select({ email: users.email, secret: users.totpSecret, enabledAt: users.totpEnabledAt, lastCounter: users.totpLastCounter })
    .from(users)
    .where(eq(users.id, userId))
    .limit(1);
  if (!row) throw new AppError("UNAUTHENTICATED", "Please sign in again.");
  return row;
}

export interface Enrolment {
  otpauthUrl: string;
  qrDataUrl: string;
  /** For typing into an app that cannot scan. */
  secret: string;
}

/** Starts (or restarts) enrolment: a new secret, not active until a code from it is confirmed. */
export async function beginTotpEnrolment(db: Db, userId: string): Promise<Enrolment> {
  const row = await userRow(db, userId);
  if (row.enabledAt) throw new AppError("CONFLICT", "Two-factor sign-in is already on.");
  const secret = new OTPAuth.Secret({ size: 20 }).base32;
  await db.update(users).set({ totpSecret: sealSecret(secret), totpLastCounter: null }).where(and(eq(users.id, userId), isNull(users.totpEnabledAt)));
  const otpauthUrl = totpFor(secret, row.email).toString();
  return { otpauthUrl, qrDataUrl: await QRCode.toDataURL(otpauthUrl, { margin: 1, width: 200 }), secret };
}

/** The time step a code belongs to (±1 step of clock drift), or null. */
function matchCounter(secretBase32: string, code: string, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const totp = totpFor(secretBase32, "x");
  const delta = totp.validate({ token: code, timestamp: now, window: 1 });
  return delta === null ? null : totp.counter({ timestamp: now }) + delta;
}

/** Uses a code's time step once: a replayed (or older) code is refused even within its 30 s. */
async function claimTimeStep(tx: DbOrTx, userId: string, counter: number): Promise<boolean> {
  const updated = await tx
    .update(users)
    .set({ totpLastCounter: counter })
    .where(and(eq(users.id, userId), or(isNull(users.totpLastCounter), lt(users.totpLastCounter, counter))))
    .returning({ id: users.id });
  return updated.length === 1;
}

/** Confirms enrolment with a code from the app; returns the recovery codes (shown once). */
export async function confirmTotpEnrolment(db: Db, userId: string, code: string): Promise<{ recoveryCodes: string[] }> {
  return db.transaction(async (tx) => {
    const row = await userRow(tx, userId);
    if (row.enabledAt) throw new AppError("CONFLICT", "Two-factor sign-in is already on.");
    if (!row.secret) throw new AppError("INVALID_REQUEST", "Start the setup again.");
    const counter = matchCounter(openSecret(row.secret), code.trim());
    if (counter === null || !(await claimTimeStep(tx, userId, counter))) throw new AppError("INVALID_REQUEST", "That code is not right. Check the time on your device and try the next code.", { param: "code" });
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    await tx.insert(recoveryCodes).values(codes.map((c) => ({ userId, codeHash: hashRecoveryCode(c) })));
    await tx.update(users).set({ totpEnabledAt: sql`now()` }).where(eq(users.id, userId));
    await auditUserEvent(tx, userId, "auth.2fa_enable");
    return { recoveryCodes: codes };
  });
}

/**
 * Checks a second factor: a current TOTP code (each time step once) or an unused recovery code.
 * Returns how it was satisfied, or null.
 */
export async function verifySecondFactor(db: DbOrTx, userId: string, code: string): Promise<"totp" | "recovery" | null> {
  const row = await userRow(db, userId);
  if (!row.enabledAt || !row.secret) return null;
  const trimmed = code.trim();
  if (/^\d{6}$/.test(trimmed)) {
    const counter = matchCounter(openSecret(row.secret), trimmed);
    return counter !== null && (await claimTimeStep(db, userId, counter)) ? "totp" : null;
  }
  if (normalizeRecoveryCode(trimmed).length !== 20) return null;
  const used = await db
    .update(recoveryCodes)
    .set({ usedAt: sql`now()` })
    .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, hashRecoveryCode(trimmed)), isNull(recoveryCodes.usedAt)))
    .returning({ userId: recoveryCodes.userId });
  return used.length ? "recovery" : null;
}

/** Turns two-factor off; needs a current code (or a recovery code). */
export async function disableTotp(db: Db, userId: string, code: string): Promise<void> {
  await db.transaction(async (tx) => {
    if (!(await verifySecondFactor(tx, userId, code))) throw new AppError("INVALID_REQUEST", "That code is not right.", { param: "code" });
    await tx.update(users).set({ totpSecret: null, totpEnabledAt: null, totpLastCounter: null }).where(eq(users.id, userId));
    await tx.delete(recoveryCodes).where(eq(recoveryCodes.userId, userId));
    await auditUserEvent(tx, userId, "auth.2fa_disable");
  });
}

export function staffRequire2fa(): boolean {
  const v = env().STAFF_REQUIRE_2FA;
  return v === "true" || v === "1";
}
