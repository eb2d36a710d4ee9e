// A fresh database for one bench run (a dedicated PostgreSQL database when DATABASE_URL is set,
// else embedded PGlite in a temp DATA_DIR), seeded through the real lib functions.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import pg from "pg";
import { accounts } from "@/db/schema";
import { createUserWithAccount } from "@/lib/auth/users";
import { migrate, openDb, type Db, type DbHandle } from "@/lib/db";
import { createKey } from "@/lib/keys";
import { creditAccount } from "@/lib/ledger";
import { seedModels } from "@/lib/models";

export interface BenchDatabase {
  kind: "postgres" | "pglite";
  /** Connection string of the run's own database (postgres only). */
  databaseUrl?: string;
  /** Temp DATA_DIR of this run (PGlite data, generated secrets). */
  dataDir: string;
  open(poolSize?: number): Promise<DbHandle>;
  /** Drops the run's database and removes the temp dir. */
  drop(): Promise<void>;
}

function withDatabase(baseUrl: string, name: string): string {
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(baseUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: withDatabase(baseUrl, "postgres") });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function createBenchDatabase(baseUrl: string | undefined): Promise<BenchDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tollgate-bench-"));
  const removeDir = () => fs.rmSync(dataDir, { recursive: true, force: true });
  if (!baseUrl) {
    return {
      kind: "pglite",
      dataDir,
      open: async () => {
        const h = await openDb({ dataDir });
        await migrate(h);
        return h;
      },
      drop: async () => removeDir(),
    };
  }
  const name = `tollgate_bench_${randomBytes(5).toString("hex")}`;
  await admin(baseUrl, async (c) => {
    // Databases left behind by an interrupted run; one still in use makes DROP fail, and is kept.
    const stale = await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'tollgate_bench_%'");
    for (const { datname } of stale.rows) await c.query(`DROP DATABASE IF EXISTS "${datname}"`).catch(() => undefined);
    await c.query(`CREATE DATABASE "${name}"`);
  });
  const databaseUrl = withDatabase(baseUrl, name);
  return {
    kind: "postgres",
    databaseUrl,
    dataDir,
    open: async (poolSize) => {
      const h = await openDb({ databaseUrl, poolSize });
      await migrate(h);
      return h;
    },
    drop: async () => {
      await admin(baseUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).catch(() => undefined);
      removeDir();
    },
  };
}

export interface BenchAccount {
  accountId: string;
  keyId: string;
  key: string;
}

export interface Seeded {
  /** The account and key the HTTP phases call the gateway with. */
  gateway: BenchAccount;
  /** One account+key per worker for the informative "spread" phase (no shared account row). */
  gatewaySpread: BenchAccount[];
  /** The single account every caller of the hot-account holds phase hammers. */
  hot: BenchAccount;
  /** Accounts the spread holds phase round-robins over. */
  spread: BenchAccount[];
}

// $1,000,000 of credit: no phase can ever run out, so 402s never mix into the numbers.
const BENCH_CREDIT_MICROS = BigInt(1_000_000) * BigInt(1_000_000);

async function benchAccount(db: Db, label: string, opts: { customRpm?: number; concurrency?: number }): Promise<BenchAccount> {
  const { userId, accountId } = await createUserWithAccount(db, { email: `${label}@bench.tollgate.local`, name: label }, "system");
  await creditAccount(db, { accountId, kind: "grant", amountMicros: BENCH_CREDIT_MICROS, reason: "benchmark credits", actor: { kind: "system" } });
  if (opts.concurrency) await db.update(accounts).set({ concurrencyLimit: opts.concurrency }).where(eq(accounts.id, accountId));
  // Limits well past what the bench sends: the day quota, key concurrency and the tier's default
  // daily spend cap would otherwise refuse a load test within seconds.
  const { key, plaintext } = await createKey(
    db,
    { accountId, actorUserId: userId, actorKind: "system" },
    { name: `${label} key`, customRpm: opts.customRpm ?? null, ...(opts.customRpm ? { customRpd: 1_000_000_000, customConcurrency: 10_000, dailySpendCapMicros: 1_000_000_000_000n } : {}) },
  );
  return { accountId, keyId: key.id, key: plaintext };
}

async function many(count: number, make: (i: number) => Promise<BenchAccount>): Promise<BenchAccount[]> {
  const out: BenchAccount[] = [];
  for (let i = 0; i < count; i += 10) out.push(...(await Promise.all(Array.from({ length: Math.min(10, count - i) }, (_, j) => make(i + j)))));
  return out;
}

export async function seedBench(db: Db, spreadCount: number, gatewaySpreadCount = 32): Promise<Seeded> {
  await seedModels(db);
  // The customer-negotiated limits a load test needs: an RPM no phase can reach and room for every worker.
  const gateway = await benchAccount(db, "bench-gateway", { customRpm: 1_000_000, concurrency: 10_000 });
  const gatewaySpread = await many(gatewaySpreadCount, (i) => benchAccount(db, `bench-gateway-${i}`, { customRpm: 1_000_000, concurrency: 10_000 }));
  const hot = await benchAccount(db, "bench-hot", {});
  const spread = await many(spreadCount, (i) => benchAccount(db, `bench-spread-${i}`, {}));
  return { gateway, gatewaySpread, hot, spread };
}
