// Shared setup for gateway tests: a per-file database, the real mock upstream, the production
// build served over HTTP, and helpers to create funded accounts and keys through the real code.
import { eq } from "drizzle-orm";
import { accounts } from "../../db/schema";
import { resetEnvCache } from "../../lib/env";
import { allSettlements } from "../../lib/gateway/pending";
import { flushUsageEvents } from "../../lib/usage/events";
import { newId } from "../../lib/ids";
import { createKey } from "../../lib/keys";
import { creditAccount } from "../../lib/ledger";
import { seedModels } from "../../lib/models";
import { startMockUpstream, type MockUpstream } from "../../mock-upstream/server";
import { startApp, type TestApp } from "../helpers/app";
import { createTestDb, testRedisPrefix, type TestDb } from "../helpers/db";

export interface Gateway {
  t: TestDb;
  mock: MockUpstream;
  app: TestApp;
  /** http://127.0.0.1:port/api/v1 */
  base: string;
  close(): Promise<void>;
}

/** Short timeouts so fault tests stay fast; override per file before calling startGateway. */
export const TEST_ENV: Record<string, string> = {
  UPSTREAM_CONNECT_TIMEOUT_MS: "2000",
  UPSTREAM_FIRST_BYTE_TIMEOUT_MS: "1500",
  UPSTREAM_IDLE_TIMEOUT_MS: "1500",
  UPSTREAM_RETRY_BASE_MS: "20",
  UPSTREAM_RETRY_MAX_WAIT_MS: "3000",
  CIRCUIT_FAILURE_THRESHOLD: "1000",
  KEY_CACHE_TTL_MS: "2000",
  // The production build inlines NODE_ENV=production: the app then requires a secret.
  AUTH_SECRET: "gateway-tests-secret-0123456789abcdef",
};

/**
 * For files that do not test timeouts: with embedded PGlite the database runs on the test's
 * own event loop, so heavy parallel tests can delay the mock's answers past the short limits.
 */
export const RELAXED_TIMEOUTS: Record<string, string> = {
  UPSTREAM_FIRST_BYTE_TIMEOUT_MS: "15000",
  UPSTREAM_IDLE_TIMEOUT_MS: "15000",
};

/**
 * Sets (or, with undefined, removes) environment variables and drops the validated-env cache, so
 * the app sees them on its next read. Returns a function that puts the previous values back.
 */
export function setEnv(vars: Record<string, string | undefined>): () => void {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEnvCache();
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetEnvCache();
  };
}

/** `fastLane`: serve /api/v1 through the node:http fast lane (default, as `npm start`) or the App Router. */
export async function startGateway(env: Record<string, string> = {}, opts: { fastLane?: boolean } = {}): Promise<Gateway> {
  setEnv({ ...TEST_ENV, ...env, TOLLGATE_REDIS_PREFIX: testRedisPrefix() });
  const t = await createTestDb();
  await seedModels(t.db);
  const mock = await startMockUpstream({ port: 0 });
  setEnv({ MOCK_UPSTREAM_URL: mock.url });
  const app = await startApp(opts);
  return {
    t,
    mock,
    app,
    base: `${app.url}/api/v1`,
    close: async () => {
      await app.close();
      await mock.close();
      await t.dispose();
    },
  };
}

export interface TestAccount {
  accountId: string;
}

/** An account (direct insert: a fixture, not a feature under test) funded through the ledger. */
export async function fundedAccount(t: TestDb, opts: { micros?: bigint; concurrency?: number } = {}): Promise<TestAccount> {
  const accountId = newId("account");
  await t.db.insert(accounts).values({ id: accountId, name: `test ${accountId}`, concurrencyLimit: opts.concurrency ?? 10 });
  const micros = opts.micros ?? BigInt(10_000_000);
  if (micros > BigInt(0)) {
    await creditAccount(t.db, { accountId, kind: "grant", amountMicros: micros, reason: "test", actor: { kind: "system" } });
  }
  return { accountId };
}

export async function setConcurrency(t: TestDb, accountId: string, n: number): Promise<void> {
  await t.db.update(accounts).set({ concurrencyLimit: n }).where(eq(accounts.id, accountId));
}

export async function newKey(t: TestDb, accountId: string, input: Partial<Parameters<typeof createKey>[2]> = {}): Promise<{ id: string; key: string }> {
  const { key, plaintext } = await createKey(t.db, { accountId, actorKind: "system" }, { name: "test key", ...input });
  return { id: key.id, key: plaintext };
}

/**
 * Non-streamed calls answer first and settle right after (lib/gateway/pending.ts). The app runs
 * in this process, so a test waits for exactly those settlements before it reads the database.
 */
export async function settled(): Promise<void> {
  await Promise.all([allSettlements(), flushUsageEvents()]);
}

/** POST, then wait until the call's settlement is booked (see settled()). */
export async function postJson(url: string, key: string | null, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  await settled();
  return res;
}

export async function getJson(url: string, key: string | null, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } });
}

/** Cost the mock will produce: ceil((in*ip + out*op)/1e6) with the mock's ceil(bytes/4) tokens. */
export function mockTokens(text: string): number {
  return Math.max(1, Math.ceil(Buffer.byteLength(text, "utf8") / 4));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
