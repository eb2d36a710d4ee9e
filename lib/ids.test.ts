import { describe, expect, it } from "vitest";
import { newId, randomBase62 } from "./ids";

describe("ids", () => {
  it("are prefixed, base62 and unique", () => {
    const ids = new Set(Array.from({ length: 20_000 }, () => newId("request")));
    expect(ids.size).toBe(20_000);
    for (const id of Array.from(ids).slice(0, 100)) expect(id).toMatch(/^req_[0-9A-Za-z]{20}$/);
  });

  it("of rows written per call sort by creation time, so primary keys grow at one edge", async () => {
    const first = Array.from({ length: 50 }, () => newId("entry"));
    await new Promise((r) => setTimeout(r, 3));
    const later = newId("entry");
    for (const id of first) expect(id < later).toBe(true);
    // The time part sorts the same in linguistic collations: digits and lower case only.
    for (const id of first) expect(id.slice(3, 12)).toMatch(/^[0-9a-z]{9}$/);
    expect(newId("hold")).toMatch(/^hold_[0-9A-Za-z]{20}$/);
  });

  it("of accounts and keys are random throughout", () => {
    const a = newId("key");
    const b = newId("key");
    expect(a.slice(4, 10)).not.toBe(b.slice(4, 10));
  });

  it("use every base62 character about equally often", () => {
    const counts = new Map<string, number>();
    const text = randomBase62(62_000);
    for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    for (const n of counts.values()) expect(n).toBeGreaterThan(800); // expected 1,000 each
  });
});
