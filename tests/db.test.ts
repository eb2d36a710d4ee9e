import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { accounts, ledgerEntries } from "@/db/schema";
import { rows } from "@/lib/db";
import { newId } from "@/lib/ids";
import { createTestDb, type TestDb } from "./helpers/db";

let t: TestDb;
const appendOnlyError = (e: unknown) => /append-only/.test(String((e as Error & { cause?: Error }).cause?.message));
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t.dispose();
});

describe("database", () => {
  it("is migrated and enforces money constraints", async () => {
    const id = newId("account");
    await t.db.insert(accounts).values({ id, name: "A" });
    await expect(t.db.execute(sql`UPDATE accounts SET held_micros = -1 WHERE id = ${id}`)).rejects.toThrow();
  });

  it("rejects UPDATE and DELETE on ledger entries", async () => {
    const acct = newId("account");
    await t.db.insert(accounts).values({ id: acct, name: "B" });
    const entry = newId("entry");
    await t.db.insert(ledgerEntries).values({ id: entry, accountId: acct, type: "grant", amountMicros: BigInt(5), balanceAfterMicros: BigInt(5) });
    await expect(t.db.execute(sql`UPDATE ledger_entries SET amount_micros = 6 WHERE id = ${entry}`)).rejects.toSatisfy(appendOnlyError);
    await expect(t.db.execute(sql`DELETE FROM ledger_entries WHERE id = ${entry}`)).rejects.toSatisfy(appendOnlyError);
    const r = await rows<{ amount_micros: string }>(t.db, sql`SELECT amount_micros FROM ledger_entries WHERE id = ${entry}`);
    expect(BigInt(r[0].amount_micros)).toBe(BigInt(5));
  });
});
