// Child processes of the benchmark: the production build (built into its own dist dir when
// missing or older than the sources), `next start`, and the mock upstream.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { createRequire } from "node:module";

export const BENCH_DIST_DIR = ".next-bench";
const SOURCE_DIRS = ["app", "lib", "db", "components"];
const SOURCE_FILES = ["next.config.ts", "package-lock.json", "proxy.ts", "middleware.ts"];

function nextBin(): string {
  return createRequire(import.meta.url).resolve("next/dist/bin/next");
}

function newestMtime(p: string): number {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const entry of fs.readdirSync(p)) {
    if (entry === "node_modules" || entry.startsWith(".")) continue;
    newest = Math.max(newest, newestMtime(path.join(p, entry)));
  }
  return newest;
}

/** Why the build must be (re)made, or null when the existing one is current. */
export function buildStaleReason(): string | null {
  const buildId = path.join(BENCH_DIST_DIR, "BUILD_ID");
  if (!fs.existsSync(buildId)) return "no build yet";
  const builtAt = fs.statSync(buildId).mtimeMs;
  const newest = Math.max(...SOURCE_DIRS.map(newestMtime), ...SOURCE_FILES.map(newestMtime));
  return newest > builtAt ? "sources changed since the last bench build" : null;
}

/** Builds into .next-bench when needed. A failed rebuild falls back to an existing build. */
export function ensureBuild(opts: { force: boolean; skip: boolean; log: (s: string) => void }): void {
  if (opts.skip) {
    if (!fs.existsSync(path.join(BENCH_DIST_DIR, "BUILD_ID"))) throw new Error(`--no-build given but ${BENCH_DIST_DIR} has no build`);
    return;
  }
  const reason = opts.force ? "--rebuild" : buildStaleReason();
  if (!reason) return;
  opts.log(`building the production app into ${BENCH_DIST_DIR} (${reason})…`);
  const t0 = Date.now();
  // next build adds the build directory's type folders to tsconfig.json's "include"; a benchmark
  // must not leave a tracked file modified, so put it back.
  const tsconfig = fs.existsSync("tsconfig.json") ? fs.readFileSync("tsconfig.json", "utf8") : null;
  const r = spawnSync(process.execPath, [nextBin(), "build"], {
    // TOLLGATE_BENCH_BUILD: compile the bench-only routes (*.bench.ts, see next.config.ts).
    env: { ...process.env, NEXT_DIST_DIR: BENCH_DIST_DIR, NODE_ENV: "production", TOLLGATE_BENCH_BUILD: "1" },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (tsconfig !== null && fs.readFileSync("tsconfig.json", "utf8") !== tsconfig) fs.writeFileSync("tsconfig.json", tsconfig);
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ""}\n${r.stderr ?? ""}`.trim().split("\n").slice(-25).join("\n");
    if (fs.existsSync(path.join(BENCH_DIST_DIR, "BUILD_ID"))) {
      opts.log(`build failed; benchmarking the previous build instead. Build output (tail):\n${tail}`);
      return;
    }
    throw new Error(`next build failed:\n${tail}`);
  }
  opts.log(`built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface Child {
  proc: ChildProcess;
  stop(): Promise<void>;
}

function wrap(proc: ChildProcess): Child {
  return {
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        const killer = setTimeout(() => proc.kill("SIGKILL"), 5000);
        proc.once("exit", () => {
          clearTimeout(killer);
          resolve();
        });
        proc.kill("SIGTERM");
      }),
  };
}

/** Polls `url` until it answers (any status below 500) or the child exits. */
export async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`process exited with code ${child.exitCode} before answering ${url}; see ${logFile}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      if (r.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms; see ${logFile}`);
}

function logStream(file: string): fs.WriteStream {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  return fs.createWriteStream(file, { flags: "w" });
}

export async function startMockProcess(logFile: string): Promise<Child & { url: string }> {
  const port = await freePort();
  const proc = spawn(process.execPath, ["--import", "tsx", "mock-upstream/main.ts"], {
    env: { ...process.env, MOCK_UPSTREAM_PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = logStream(logFile);
  proc.stdout!.pipe(out);
  proc.stderr!.pipe(out);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, proc, 30_000, logFile);
  return { ...wrap(proc), url };
}

/**
 * Tollgate as `npm start` runs it (scripts/server.ts: the fast lane in front of Next.js), on the
 * bench build. `fastLane: false` serves /api/v1 through the App Router route handlers instead.
 */
export async function startTollgateProcess(env: NodeJS.ProcessEnv, logFile: string, opts: { fastLane: boolean; workers?: string; nodeArgs?: string[] }): Promise<Child & { url: string }> {
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = {
    ...env,
    NODE_ENV: "production",
    NEXT_DIST_DIR: BENCH_DIST_DIR,
    PORT: String(port),
    APP_URL: `http://127.0.0.1:${port}`,
    NEXTAUTH_URL: `http://127.0.0.1:${port}`,
    TOLLGATE_FAST_LANE: opts.fastLane ? "on" : "off",
    ...(opts.workers ? { TOLLGATE_WORKERS: opts.workers } : {}),
  };
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), "--import", "tsx", "scripts/server.ts"], { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  const out = logStream(logFile);
  proc.stdout!.pipe(out);
  proc.stderr!.pipe(out);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/api/v1/health`, proc, 90_000, logFile);
  return { ...wrap(proc), url };
}

/**
 * Portkey's open-source gateway, the bench's peer. Its start-server.js listens on `--port=N`
 * (it reads PORT into its config but binds the port from the command line), and needs nothing
 * from its postinstall step (patch-package) for plain OpenAI-compatible proxying.
 */
export async function startPortkeyProcess(logFile: string): Promise<Child & { url: string }> {
  const port = await freePort();
  const script = createRequire(import.meta.url).resolve("@portkey-ai/gateway/build/start-server.js");
  const proc = spawn(process.execPath, [script, `--port=${port}`, "--headless"], { env: { ...process.env, PORT: String(port), NODE_ENV: "production" }, stdio: ["ignore", "pipe", "pipe"] });
  const out = logStream(logFile);
  proc.stdout!.pipe(out);
  proc.stderr!.pipe(out);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/`, proc, 60_000, logFile);
  return { ...wrap(proc), url };
}

/** Resident set size of a process (MB), from /proc. */
export function rssMb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : null;
  } catch {
    return null;
  }
}

export async function startNextProcess(env: NodeJS.ProcessEnv, logFile: string, nodeArgs: string[] = []): Promise<Child & { url: string }> {
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = {
    ...env,
    NODE_ENV: "production",
    NEXT_DIST_DIR: BENCH_DIST_DIR,
    PORT: String(port),
    APP_URL: `http://127.0.0.1:${port}`,
    NEXTAUTH_URL: `http://127.0.0.1:${port}`,
  };
  const proc = spawn(process.execPath, [...nodeArgs, nextBin(), "start", "-p", String(port), "-H", "127.0.0.1"], { env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  const out = logStream(logFile);
  proc.stdout!.pipe(out);
  proc.stderr!.pipe(out);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/api/noop`, proc, 60_000, logFile);
  return { ...wrap(proc), url };
}
