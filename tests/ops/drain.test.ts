// SIGTERM drain of the real server process (scripts/server.ts): /readyz turns 503 at once, new
// calls are refused, the stream in flight runs to its end and is settled, then the process exits.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { holds, requests } from "@/db/schema";
import { migrate, openDb } from "@/lib/db";
import { seedModels } from "@/lib/models";
import { startMockUpstream, type MockUpstream } from "../../mock-upstream/server";
import { fundedAccount, newKey } from "../gateway/helpers";
import type { TestDb } from "../helpers/db";

let dataDir: string;
let mock: MockUpstream;
let server: ChildProcess | undefined;
let key: string;
let accountId: string;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "tg-drain-"));
  const handle = await openDb({ dataDir });
  await migrate(handle);
  await seedModels(handle.db);
  ({ accountId } = await fundedAccount(handle as unknown as TestDb));
  ({ key } = await newKey(handle as unknown as TestDb, accountId));
  await handle.close();
  mock = await startMockUpstream({ port: 0 });
}, 60_000);

afterAll(async () => {
  server?.kill("SIGKILL");
  await mock?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it("drains on SIGTERM: not ready, new calls refused, the running stream finishes and is settled", { timeout: 120_000 }, async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    PORT: String(port),
    DATABASE_URL: "",
    DATA_DIR: dataDir,
    MOCK_UPSTREAM_URL: mock.url,
    AUTH_SECRET: "drain-test-secret-0123456789abcdef",
    TOLLGATE_JOBS: "off",
    TOLLGATE_DRAIN_TIMEOUT_MS: "20000",
    LOG_LEVEL: "warn",
  };
  delete env.TOLLGATE_PGLITE_SOCKET;
  server = spawn(process.execPath, ["--import", "tsx", "scripts/server.ts"], { env, stdio: ["ignore", "inherit", "inherit"] });
  const exited = new Promise<number | null>((resolve) => server!.once("exit", (code) => resolve(code)));
  for (let i = 0; ; i++) {
    const ready = await fetch(`${base}/readyz`).then((r) => r.status, () => 0);
    if (ready === 200) break;
    if (i > 600) throw new Error("server did not become ready");
    await new Promise((r) => setTimeout(r, 100));
  }

  // A stream of 30 tokens, one every 60 ms (~2 s).
  const res = await fetch(`${base}/api/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "mock-small", stream: true, max_tokens: 64, messages: [{ role: "user", content: "drain #tokens=30 #interval=60" }] }),
  });
  expect(res.status).toBe(200);
  const requestId = res.headers.get("x-request-id")!;
  const reader = res.body!.getReader();
  let text = new TextDecoder().decode((await reader.read()).value);

  server.kill("SIGTERM");
  let readyz = 0;
  for (let i = 0; i < 50 && readyz !== 503; i++) {
    readyz = await fetch(`${base}/readyz`).then((r) => r.status, () => 0);
    if (readyz !== 503) await new Promise((r) => setTimeout(r, 20));
  }
  expect(readyz).toBe(503);
  expect((await fetch(`${base}/livez`)).status).toBe(200);
  const refused = await fetch(`${base}/api/v1/credits`, { headers: { authorization: `Bearer ${key}` } });
  expect(refused.status).toBe(503);
  expect(refused.headers.get("connection")).toBe("close");

  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  expect(text).toContain("data: [DONE]");
  expect(await exited).toBe(0);
  server = undefined;

  // The process is gone: its database files are ours again.
  const handle = await openDb({ dataDir });
  try {
    const [row] = await handle.db.select().from(requests).where(eq(requests.id, requestId));
    expect(row).toMatchObject({ statusCode: 200, outputTokens: 30 });
    expect(row.costMicros).toBeGreaterThan(0n);
    const pending = await handle.db.select().from(holds).where(eq(holds.status, "pending"));
    expect(pending).toEqual([]);
  } finally {
    await handle.close();
  }
});
