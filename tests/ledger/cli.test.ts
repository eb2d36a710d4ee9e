// The ledger CLI commands as an operator runs them: a child process against this file's
// database. Needs real PostgreSQL (an in-memory PGlite cannot be shared across processes).
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { rows } from "@/lib/db";
import { creditAccount, placeHold } from "@/lib/ledger";
import { createTestDb, type TestDb } from "../helpers/db";
import { accountRow, entries, expectLedgerOk, lots, makeUserWithAccount, sys, USD } from "./fixtures";

const run = promisify(execFile);
const hasPg = !!process.env.DATABASE_URL;

let t: TestDb;
beforeAll(async () => {
  if (hasPg) t = await createTestDb();
});
afterAll(async () => {
  await t?.dispose();
});

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    // `npx tsx scripts/tollgate.ts` without npx's own start-up cost.
    const r = await run(path.join("node_modules", ".bin", "tsx"), ["scripts/tollgate.ts", ...args], {
      env: { ...process.env, DATABASE_URL: t.url, TOLLGATE_SKIP_MIGRATE: "1" },
      timeout: 60_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

describe.skipIf(!hasPg)("ledger CLI", () => {
  it("account:grant writes a real grant lot and entry for the user's owner account", { timeout: 90_000 }, async () => {
    const { accountId } = await makeUserWithAccount(t.db, "grant-cli@example.com");
    const r = await cli("account:grant", "--email", "Grant-CLI@example.com", "--usd", "12.345678", "--reason", "support goodwill");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ account_id: accountId, amount_micros: "12345678", amount_usd: "12.345678", balance_micros: "12345678" });
    const ls = await lots(t.db, accountId);
    expect(ls.map((l) => [l.id, l.kind, l.original, l.remaining])).toEqual([[out.lot_id, "grant", 12_345_678n, 12_345_678n]]);
    expect((await entries(t.db, accountId)).map((e) => [e.id, e.type, e.amount])).toEqual([[out.entry_id, "grant", 12_345_678n]]);
    const audit = await rows<{ actor_kind: string; action: string }>(t.db, sql`SELECT actor_kind, action FROM audit_log WHERE account_id = ${accountId}`);
    expect(audit).toEqual([{ actor_kind: "cli", action: "credit.grant" }]);

    const bad = await Promise.all([
      cli("account:grant", "--email", "grant-cli@example.com", "--usd", "-5", "--reason", "x"),
      cli("account:grant", "--email", "grant-cli@example.com", "--usd", "1.0000001", "--reason", "x"),
      cli("account:grant", "--email", "nobody@example.com", "--usd", "5", "--reason", "x"),
      cli("account:grant", "--email", "grant-cli@example.com", "--usd", "5"),
    ]);
    for (const b of bad) {
      expect(b.code).not.toBe(0);
      expect(b.stderr).toMatch(/error: /);
    }
    expect(await accountRow(t.db, accountId)).toEqual({ balance: 12_345_678n, held: 0n });
    await expectLedgerOk(t.db, accountId);
  });

  it("account:grant with --idempotency-key grants once, however often (and concurrently) it is run", { timeout: 90_000 }, async () => {
    const { accountId } = await makeUserWithAccount(t.db, "grant-key@example.com");
    const grant = () => cli("account:grant", "--email", "grant-key@example.com", "--usd", "7", "--reason", "ticket 4711", "--idempotency-key", "ticket-4711");
    const runs = await Promise.all([grant(), grant(), grant(), grant()]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const outs = runs.map((r) => JSON.parse(r.stdout) as { created: boolean; lot_id: string; entry_id: string });
    expect(outs.filter((o) => o.created)).toHaveLength(1);
    expect(new Set(outs.map((o) => o.lot_id)).size).toBe(1);
    expect(new Set(outs.map((o) => o.entry_id)).size).toBe(1);
    expect(await accountRow(t.db, accountId)).toEqual({ balance: 7_000_000n, held: 0n });
    // A different key is a different grant.
    const other = await cli("account:grant", "--email", "grant-key@example.com", "--usd", "1", "--reason", "ticket 4712", "--idempotency-key", "ticket-4712");
    expect(JSON.parse(other.stdout)).toMatchObject({ created: true });
    expect(await accountRow(t.db, accountId)).toEqual({ balance: 8_000_000n, held: 0n });
    // The same key for another account is refused, not silently ignored.
    await makeUserWithAccount(t.db, "grant-key-2@example.com");
    const clash = await cli("account:grant", "--email", "grant-key-2@example.com", "--usd", "7", "--reason", "x", "--idempotency-key", "ticket-4711");
    expect(clash.code).not.toBe(0);
    expect(clash.stderr).toMatch(/another account/);
    await expectLedgerOk(t.db, accountId);
  });

  it("holds:sweep and credits:expire do their jobs; ledger:verify passes", { timeout: 90_000 }, async () => {
    const { accountId } = await makeUserWithAccount(t.db, "jobs-cli@example.com");
    const past = new Date(Date.now() - 40 * 86_400_000);
    await creditAccount(t.db, { accountId, kind: "promo", amountMicros: USD, expiresAt: new Date(Date.now() - 86_400_000), actor: sys, now: past });
    await creditAccount(t.db, { accountId, kind: "grant", amountMicros: USD, actor: sys });
    const h = await placeHold(t.db, { accountId, requestId: "req_cli_sweep_1", minMicros: 1n, maxMicros: 300_000n, ttlSeconds: 60, now: new Date(Date.now() - 3_600_000) });
    expect(h.ok).toBe(true);

    const [sweep, expire] = await Promise.all([cli("holds:sweep"), cli("credits:expire")]);
    expect(sweep.code).toBe(0);
    expect(JSON.parse(sweep.stdout)).toEqual({ released: 1 });
    expect(expire.code).toBe(0);
    expect(JSON.parse(expire.stdout)).toEqual({ lots_expired: 1, micros: "1000000", usd: "1.000000" });
    expect(await accountRow(t.db, accountId)).toEqual({ balance: USD, held: 0n });

    const ok = await cli("ledger:verify");
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ ok: true, account: null, violations: 0 });
  });

  it("ledger:verify exits non-zero and names the violation when the ledger is corrupted", { timeout: 90_000 }, async () => {
    const { accountId } = await makeUserWithAccount(t.db, "corrupt-cli@example.com");
    await creditAccount(t.db, { accountId, kind: "grant", amountMicros: USD, actor: sys });
    // Bypass the ledger: a balance no entry explains.
    await t.db.execute(sql`UPDATE accounts SET balance_micros = balance_micros + 1 WHERE id = ${accountId}`);
    const r = await cli("ledger:verify", "--account", accountId);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, account: accountId });
    expect(r.stderr).toContain("balance_equals_entries");
    expect(r.stderr).toContain(accountId);
    await t.db.execute(sql`UPDATE accounts SET balance_micros = balance_micros - 1 WHERE id = ${accountId}`);
    await expectLedgerOk(t.db);
  });
});
