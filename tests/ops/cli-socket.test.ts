// The CLI beside a running server on the embedded database: the server serves its PGlite on a
// Unix socket under DATA_DIR and the CLI (a separate process) connects there; with no server
// running, the CLI opens the files itself.
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { users } from "@/db/schema";
import { closeDb, getDbHandle, openDb, setDbHandle } from "@/lib/db";
import { resetEnvCache } from "@/lib/env";
import { socketPath } from "@/lib/db/socket";
import { seedModels } from "@/lib/models";
import { startMockUpstream, type MockUpstream } from "../../mock-upstream/server";
import { startApp, type TestApp } from "../helpers/app";
import { RELAXED_TIMEOUTS } from "../gateway/helpers";

const run = promisify(execFile);
const saved = { ...process.env };
let dataDir: string;
let mock: MockUpstream;
let app: TestApp | undefined;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...saved, DATA_DIR: dataDir, DATABASE_URL: "", LOG_LEVEL: "warn" };
  delete env.TOLLGATE_PGLITE_SOCKET;
  try {
    const r = await run(path.join("node_modules", ".bin", "tsx"), ["scripts/tollgate.ts", ...args], { env, timeout: 90_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tg-sock-"));
  // This process plays `npm start`: the embedded database, served on the socket.
  delete process.env.DATABASE_URL;
  process.env.DATA_DIR = dataDir;
  process.env.TOLLGATE_PGLITE_SOCKET = "1";
  Object.assign(process.env, RELAXED_TIMEOUTS);
  setDbHandle(undefined);
  const handle = await getDbHandle();
  await seedModels(handle.db);
  mock = await startMockUpstream({ port: 0 });
  process.env.MOCK_UPSTREAM_URL = mock.url;
  resetEnvCache(); // the validated environment is cached process-wide
  app = await startApp();
}, 120_000);

afterAll(async () => {
  await app?.close();
  await mock?.close();
  await closeDb();
  process.env = { ...saved };
  resetEnvCache();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it("every CLI command works against the running server's embedded database", { timeout: 240_000 }, async () => {
  expect(fs.existsSync(socketPath(dataDir))).toBe(true);
  const created = await cli("user:create", "--email", "beside@example.com", "--password", "a-long-password-1");
  expect(created.stderr).toBe("");
  expect(created.code).toBe(0);
  const key = await cli("key:create", "--email", "beside@example.com", "--name", "from the cli", "--tier", "enterprise"); // 8 concurrent calls below: above a standard key's concurrency of 3
  expect(key.code).toBe(0);
  const { key: plaintext } = JSON.parse(key.stdout) as { key: string };

  // A grant from the CLI while the server books calls of the same account in its own process:
  // the CLI's transaction and the server's must not interleave in PGlite's single session.
  const call = () =>
    fetch(`${app!.url}/api/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${plaintext}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "mock-small", max_tokens: 8, messages: [{ role: "user", content: "beside the cli" }] }),
    });
  const grant = await cli("account:grant", "--email", "beside@example.com", "--usd", "5", "--reason", "first credits");
  expect(grant.code).toBe(0);
  const [grant2, ...calls] = await Promise.all([cli("account:grant", "--email", "beside@example.com", "--usd", "2", "--reason", "more"), ...Array.from({ length: 8 }, call)]);
  expect(grant2.code).toBe(0);
  expect(calls.map((r) => r.status)).toEqual(Array(8).fill(200));

  // The server sees what the CLI wrote, and the CLI sees what the server booked.
  const credits = (await (await fetch(`${app!.url}/api/v1/credits`, { headers: { authorization: `Bearer ${plaintext}` } })).json()) as { balance_micros: string };
  expect(BigInt(credits.balance_micros)).toBeLessThan(7_000_000n);
  expect(BigInt(credits.balance_micros)).toBeGreaterThan(6_900_000n);
  const verify = await cli("ledger:verify");
  expect(verify.stderr).toBe("");
  expect(verify.code).toBe(0);
});

it("with no server running, the CLI opens the files itself", { timeout: 120_000 }, async () => {
  await app?.close();
  app = undefined;
  await closeDb();
  expect(fs.existsSync(socketPath(dataDir))).toBe(false);
  const created = await cli("user:create", "--email", "alone@example.com", "--password", "a-long-password-2");
  expect(created.code).toBe(0);
  const handle = await openDb({ dataDir });
  try {
    const rows = await handle.db.select({ email: users.email }).from(users).where(eq(users.email, "alone@example.com"));
    expect(rows).toHaveLength(1);
  } finally {
    await handle.close();
  }
});
