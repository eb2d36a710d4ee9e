// The console (Next.js: pages, auth, server actions, webhooks) in a process of its own, behind the
// gateway's front server. Why: Next.js in the gateway's process taxes every API call — its
// AsyncLocalStorage instances switch on Node's promise hooks for every promise the gateway makes,
// and its heap makes each garbage collection longer — and it holds most of the process's memory.
// The front proxies every non-/api/v1 request to the console over a Unix socket; the console
// process knows nothing of this (it is Next's own handler on a socket).
//
// Only with external stores (DATABASE_URL and REDIS_URL): the embedded database and the
// in-process rate-limit store belong to one process, and key-cache evictions reach other
// processes only through Redis.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { env, type Env } from "@/lib/env";
import { errFields, log } from "@/lib/log";

const consoleLog = () => log("console");

/** Whether `npm start` runs the console in its own process (see the file comment). */
export function separateConsole(e: Env): boolean {
  return e.TOLLGATE_FAST_LANE === "on" && e.TOLLGATE_CONSOLE_PROCESS !== "off" && Boolean(e.DATABASE_URL) && Boolean(e.REDIS_URL);
}

export function newConsoleSocketPath(): string {
  return path.join(os.tmpdir(), `tollgate-console-${process.pid}-${randomBytes(4).toString("hex")}.sock`);
}

// Hop-by-hop headers (RFC 9110 §7.6.1) are the proxy's own business on each side.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"]);

function forwardedHeaders(req: http.IncomingMessage): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  // The console process sees a Unix socket, not the client: the front appends the peer it saw,
  // and the console trusts one more X-Forwarded-For hop than the front (see spawnConsole).
  const peer = req.socket.remoteAddress ?? "unknown";
  const xff = req.headers["x-forwarded-for"];
  out["x-forwarded-for"] = xff ? `${Array.isArray(xff) ? xff.join(", ") : xff}, ${peer}` : peer;
  // A chunked upload is re-framed by the client request below.
  if (req.headers["transfer-encoding"] && req.headers["content-length"] === undefined) out["transfer-encoding"] = "chunked";
  return out;
}

/** A request listener that passes requests to the console process on `socketPath`. */
export function consoleProxy(socketPath: string): http.RequestListener {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  return (req, res) => {
    let clientGone = false;
    // A client that leaves mid-request ends the proxied request too.
    res.on("close", () => {
      if (res.writableFinished) return;
      clientGone = true;
      upstream.destroy();
    });
    const bodyless = req.method === "GET" || req.method === "HEAD";
    const send = (retry: boolean): http.ClientRequest => {
      const r = http.request({ socketPath, agent, method: req.method, path: req.url, headers: forwardedHeaders(req) }, (answer) => {
        const headers: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(answer.headers)) {
          if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
        }
        res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers);
        answer.pipe(res);
        answer.on("error", () => res.destroy());
      });
      r.on("error", (err) => {
        if (clientGone) return; // we cut it ourselves
        // A kept-alive socket the console closed just as it was reused: a request without a body
        // is safely sent again once (Node's documented pattern for reusedSocket).
        if (retry && bodyless && r.reusedSocket && (err as NodeJS.ErrnoException).code === "ECONNRESET") {
          upstream = send(false);
          return;
        }
        if (res.headersSent) {
          res.destroy();
          return;
        }
        consoleLog().error(errFields(err), "console process unreachable");
        res.writeHead(502, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", "Retry-After": "2" });
        res.end("The console is restarting. Retry in a moment.\n");
      });
      if (bodyless) r.end();
      else req.pipe(r);
      return r;
    };
    let upstream = send(true);
  };
}

/** Whether the console process answers its /livez (2 s at most). */
export function consoleAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const r = http.request({ socketPath, path: "/livez", method: "GET", timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    r.on("error", () => resolve(false));
    r.on("timeout", () => r.destroy());
    r.end();
  });
}

export interface ConsoleProcess {
  socketPath: string;
  pid(): number | undefined;
  /** SIGTERM (the console drains like the front does), then wait for it to exit. */
  stop(timeoutMs: number): Promise<void>;
}

/**
 * Starts the console process on a fresh Unix socket and keeps it running (an unexpected exit is
 * logged and the process started again). Resolves when it answers /livez.
 */
export async function spawnConsole(opts: { startTimeoutMs?: number } = {}): Promise<ConsoleProcess> {
  const e = env();
  const socketPath = newConsoleSocketPath();
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    TOLLGATE_CONSOLE_SOCKET: socketPath,
    // One more proxy in front of it: this process.
    TRUSTED_PROXY_HOPS: String((e.TRUSTED_PROXY_HOPS ?? 1) + 1),
  };
  let child: ChildProcess | null = null;
  let stopping = false;
  let restarts = 0;
  const start = () => {
    fs.rmSync(socketPath, { force: true });
    child = spawn(process.execPath, [...process.execArgv.filter((a) => !a.startsWith("--cpu-prof")), path.join(process.cwd(), "scripts/console-server.ts")], { env: childEnv, stdio: ["inherit", "inherit", "inherit", "ipc"] });
    const self = child;
    const startedAt = Date.now();
    self.on("exit", (code, signal) => {
      if (stopping || child !== self) return;
      // The back-off grows with crashes in a row; a console that ran for a minute starts it over.
      restarts = Date.now() - startedAt > 60_000 ? 1 : restarts + 1;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(restarts, 6));
      consoleLog().error({ code, signal, restartInMs: delay }, "console process exited; starting it again");
      setTimeout(() => !stopping && start(), delay).unref();
    });
  };
  start();
  const deadline = Date.now() + (opts.startTimeoutMs ?? 120_000);
  while (!(await consoleAnswers(socketPath))) {
    const c = child as ChildProcess | null;
    if (c && c.exitCode !== null && restarts === 0) throw new Error(`the console process exited during start-up (code ${c.exitCode})`);
    if (Date.now() > deadline) throw new Error("the console process did not start in time");
    await new Promise((r) => setTimeout(r, 200));
  }
  restarts = 0;
  return {
    socketPath,
    pid: () => (child as ChildProcess | null)?.pid,
    async stop(timeoutMs) {
      stopping = true;
      const c = child as ChildProcess | null;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise<void>((r) => c.once("exit", () => r()));
      c.kill("SIGTERM");
      const timer = setTimeout(() => c.kill("SIGKILL"), timeoutMs);
      await exited;
      clearTimeout(timer);
      fs.rmSync(socketPath, { force: true });
    },
  };
}
