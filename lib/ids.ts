// Prefixed, URL-safe ids: the prefix says what the id is (key_, acct_, req_, hold_, ...).
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

// Rows written on every API call (requests, holds, ledger entries) and other append-only logs
// get ids that start with their creation time, so their primary-key b-trees grow at the right
// edge instead of taking each insert on a random leaf page — which, once an index outgrows
// memory, is a page read and (after each checkpoint) a full-page image in WAL per insert.
// The time part is base36 in lower case: it sorts the same under the C and the linguistic
// collations, and 9 characters last until the year 5188. The other 11 characters are random
// (65 bits): ids minted in the same millisecond still never collide in practice, and ids stay
// unguessable, though not secret (every id is checked against the caller's account).
const TIME_ORDERED = new Set<IdKind>(["request", "hold", "entry", "audit", "notification"]);
const TIME_CHARS = 9;

export function newId(kind: IdKind): string {
  if (!TIME_ORDERED.has(kind)) return `${ID_PREFIXES[kind]}_${randomBase62(20)}`;
  return `${ID_PREFIXES[kind]}_${Date.now().toString(36).padStart(TIME_CHARS, "0")}${randomBase62(20 - TIME_CHARS)}`;
}
