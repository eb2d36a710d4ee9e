// The pipelined connections behind the ledger's hot statements (lib/db/pipeline.ts): statements
// written together stay independent (each its own transaction, an error stays with its own
// caller), a lost connection is replaced, and placeHold through them stays exact under load.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { accounts } from "@/db/schema";
import { rows } from "@/lib/db";
import { pipelineFor } from "@/lib/db/pipeline";
import { newId } from "@/lib/ids";
import { creditAccount, placeHold, verifyLedger } from "@/lib/ledger";
import { createTestDb, type TestDb } from "./helpers/db";

const pg = !!process.env.DATABASE_URL;
let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => {
  await t?.dispose();
});

const pool = () => (t.db as unknown as { $client: object }).$client;
const run = (text: string, values: unknown[] = [], affinity?: string) => {
  const p = pipelineFor(pool()).query({ name: `tg_test_${Buffer.from(text).toString("hex").slice(0, 40)}`, text, values }, affinity);
  if (!p) throw new Error("pipeline refused the statement");
  return p;
};

describe.skipIf(!pg)("pipelined hot-path connections", () => {
  it("answers statements written together in order, each with its own result or error", async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => (i % 7 === 3 ? run("SELECT 1 / ($1::int - $1::int) AS boom", [i]) : run("SELECT $1::int * 2 AS v", [i]))),
    );
    results.forEach((r, i) => {
      if (i % 7 === 3) expect(r.status).toBe("rejected");
      else expect(r.status === "fulfilled" && r.value.rows[0]).toEqual({ v: i * 2 });
    });
  });

  it("keeps each statement its own transaction: a failing one does not undo its neighbours", async () => {
    const id = newId("account");
    await t.db.insert(accounts).values({ id, name: "pipe" });
    const bump = (n: number) => run("UPDATE accounts SET name = name || $2::text WHERE id = $1 RETURNING name", [id, String(n)], id);
    const results = await Promise.allSettled([bump(1), run("SELECT 1 / 0 AS boom", [], id), bump(2)]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const [row] = await rows<{ name: string }>(t.db, sql`SELECT name FROM accounts WHERE id = ${id}`);
    expect(row.name).toBe("pipe12");
  });

  it("replaces a connection the server closed", async () => {
    const before = await run("SELECT pg_backend_pid() AS pid", [], "acct_same");
    const pid = (before.rows[0] as { pid: number }).pid;
    await rows(t.db, sql`SELECT pg_terminate_backend(${pid})`);
    // The statement that meets the dead connection may fail; the next ones get a fresh one.
    await run("SELECT 1 AS v", [], "acct_same").catch(() => undefined);
    let after: { pid: number } | undefined;
    for (let i = 0; i < 20 && !after; i++) {
      after = await run("SELECT pg_backend_pid() AS pid", [], "acct_same").then(
        (r) => r.rows[0] as { pid: number },
        () => new Promise<undefined>((res) => setTimeout(() => res(undefined), 50)),
      );
    }
    expect(after?.pid).toBeDefined();
    expect(after?.pid).not.toBe(pid);
  });

  it("placeHold through the pipeline never over-commits one account under 200 parallel holds", async () => {
    const acct = newId("account");
    await t.db.insert(accounts).values({ id: acct, name: "hot" });
    await creditAccount(t.db, { accountId: acct, kind: "grant", amountMicros: 1_000_000n, actor: { kind: "system" } });
    const results = await Promise.all(
      Array.from({ length: 200 }, () => placeHold(t.db, { accountId: acct, requestId: newId("request"), minMicros: 10_000n, maxMicros: 10_000n })),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(100);
    const [a] = await rows<{ held: string }>(t.db, sql`SELECT held_micros::text AS held FROM accounts WHERE id = ${acct}`);
    expect(a.held).toBe("1000000");
    expect((await verifyLedger(t.db)).ok).toBe(true);
  });

  it("placeHold whose connection is cut mid-statement is re-run once and places exactly one hold", async () => {
    const acct = newId("account");
    await t.db.insert(accounts).values({ id: acct, name: "cut" });
    await creditAccount(t.db, { accountId: acct, kind: "grant", amountMicros: 1_000_000n, actor: { kind: "system" } });
    const requestId = newId("request");
    let placing: ReturnType<typeof placeHold> | undefined;
    await t.db.transaction(async (tx) => {
      // Hold the account lock so the hold statement waits on it, in flight on its connection.
      await tx.execute(sql`SELECT 1 FROM accounts WHERE id = ${acct} FOR UPDATE`);
      placing = placeHold(t.db, { accountId: acct, requestId, minMicros: 5_000n, maxMicros: 5_000n });
      placing.catch(() => undefined); // awaited below, after the lock is released
      let victims: { pid: number }[] = [];
      for (let i = 0; i < 50 && victims.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 20));
        victims = await rows<{ pid: number }>(
          tx,
          sql`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%AS async_commit%'`,
        );
      }
      expect(victims).toHaveLength(1);
      await rows(tx, sql`SELECT pg_terminate_backend(${victims[0].pid})`);
      await new Promise((r) => setTimeout(r, 50));
    });
    const result = await placing!;
    expect(result).toMatchObject({ ok: true, amountMicros: 5_000n });
    const [a] = await rows<{ held: string; n: string }>(
      t.db,
      sql`SELECT a.held_micros::text AS held, (SELECT COUNT(*) FROM holds h WHERE h.request_id = ${requestId})::text AS n FROM accounts a WHERE a.id = ${acct}`,
    );
    expect(a).toEqual({ held: "5000", n: "1" });
    expect((await verifyLedger(t.db, acct)).ok).toBe(true);
  });
});
