// Prefixed, URL-safe random ids: the prefix says what the id is (key_, acct_, req_, hold_, ...).
import { randomFillSync } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// Random bytes come from a pooled buffer refilled 4 KiB at a time: ids are minted several times
// per API call, and one crypto call per id showed up in the gateway's profile.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function nextRandomByte(): number {
  if (poolOffset >= pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  return pool[poolOffset++];
}

export function randomBase62(length: number): string {
  // Rejection sampling keeps every character equally likely (248 = 4 × 62).
  let out = "";
  while (out.length < length) {
    const byte = nextRandomByte();
    if (byte < 248) out += ALPHABET[byte % 62];
  }
  return out;
}

export const ID_PREFIXES = {
  user: "usr",
  account: "acct",
  key: "key",
  request: "req",
  hold: "hold",
  lot: "lot",
  entry: "le",
  dispute: "dsp",
  disputeMessage: "dmsg",
  notification: "ntf",
  audit: "aud",
  invitation: "inv",
  authToken: "tok",
  modelPrice: "mpr",
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

export function newId(kind: IdKind): string {
  return `${ID_PREFIXES[kind]}_${randomBase62(20)}`;
}
