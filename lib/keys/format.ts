// API key format: tg_live_<32 base62 body><6 base62 checksum>. The checksum lets us reject
// typos and garbage without touching the database; only the SHA-256 of the whole key is stored.
import { createHash } from "node:crypto";
import { randomBase62 } from "@/lib/ids";

export const KEY_PREFIX = "tg_live_";
const BODY_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const KEY_RE = /^tg_live_[0-9A-Za-z]{38}$/;
const BASE = BigInt(62);
// 62^6 ≈ 5.7e10 checksum values (~35.7 bits): a random string passes with p ≈ 1.8e-11.
const CHECKSUM_SPACE = BASE ** BigInt(CHECKSUM_LENGTH);

function checksum(body: string): string {
  const digest = createHash("sha256").update(KEY_PREFIX).update(body).digest();
  // 40 bits of the digest, reduced into the checksum space, as fixed-width base62.
  let n = BigInt("0x" + digest.subarray(0, 5).toString("hex")) % CHECKSUM_SPACE;
  let out = "";
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = ALPHABET[Number(n % BASE)] + out;
    n /= BASE;
  }
  return out;
}

export function generateKey(): string {
  const body = randomBase62(BODY_LENGTH);
  return `${KEY_PREFIX}${body}${checksum(body)}`;
}

/** True only for a well-formed key whose checksum matches; never touches the database. */
/** Prefix, length and alphabet only (no checksum): what a key must look like to be hashed. */
export function hasKeyShape(candidate: string): boolean {
  return candidate.length === KEY_PREFIX.length + BODY_LENGTH + CHECKSUM_LENGTH && KEY_RE.test(candidate);
}

export function isWellFormedKey(candidate: string): boolean {
  if (!hasKeyShape(candidate)) return false;
  const body = candidate.slice(KEY_PREFIX.length, KEY_PREFIX.length + BODY_LENGTH);
  const sum = candidate.slice(KEY_PREFIX.length + BODY_LENGTH);
  return checksum(body) === sum;
}

export function hashKey(plaintext: string): string {
  return createHash("sha256").update(plaintext).digest("hex");
}

/** What the console may show: "tg_live_AbCd" … "wXyZ". */
export function displayParts(plaintext: string): { prefix: string; last4: string } {
  return { prefix: plaintext.slice(0, KEY_PREFIX.length + 4), last4: plaintext.slice(-4) };
}
