// The HTTP server `npm start` runs: a plain node:http server with the gateway's fast lane in
// front of Next.js. /api/v1/* goes straight to the gateway core (lib/gateway/adapters/node.ts),
// everything else — the console, auth, webhooks — to Next's own request handler, in this process
// or in the console process behind a Unix socket (./console.ts). With
// TOLLGATE_FAST_LANE=off every request goes to Next, and /api/v1 is served by the App Router
// route handlers (the same core behind lib/gateway/adapters/web.ts).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { env } from "@/lib/env";
import { nodeHandler } from "@/lib/gateway/adapters/node";
import { API_PREFIX } from "@/lib/gateway/core/gateway";
import { staticSecurityHeaders } from "@/lib/security/headers";
import { installObservability } from "@/lib/observability";
import { livezResponse, readyzResponse } from "@/lib/health";
import { metricsResponse } from "@/lib/metrics/http";
import { consoleAnswers, consoleProxy } from "./console";
import { drain, drainable } from "./drain";

const consoleAt = (socketPath: string) => ({ handle: consoleProxy(socketPath), up: () => consoleAnswers(socketPath) });

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> | void;

export interface NextApp {
  handle: Handler;
  close(): Promise<void>;
}

export interface RunningServer {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

export interface DrainableServer extends RunningServer {
  /** SIGTERM: not ready, refuse new requests, finish (≤ timeoutMs) and settle those in flight, close. */
  drain(timeoutMs: number): Promise<{ timedOut: boolean; leftInFlight: number }>;
}

export function isApiPath(url: string | undefined): boolean {
  if (!url || !url.startsWith(API_PREFIX)) return false;
  const c = url.charCodeAt(API_PREFIX.length);
  return Number.isNaN(c) || c === 47 /* / */ || c === 63 /* ? */;
}

/** The production build's request handler (the build must exist: `next build`). */
export async function prepareNext(opts: { dir?: string; hostname?: string; port?: number } = {}): Promise<NextApp> {
  // Loaded only here: a gateway whose console runs in its own process never loads Next.js.
  const { default: next } = await import("next");
  const app = next({ dev: false, dir: opts.dir ?? process.cwd(), hostname: opts.hostname, port: opts.port, quiet: env().TOLLGATE_DEBUG_NEXT !== "1" });
  await app.prepare();
  const handle = app.getRequestHandler();
  return { handle: (req, res) => handle(req, res), close: async () => (app as unknown as { close?: () => Promise<void> }).close?.() };
}

/** Writes a Web Response (the probes' and the scraper's handlers) to a node:http response. */
async function writeWebResponse(res: http.ServerResponse, answer: Response): Promise<void> {
  res.writeHead(answer.status, Object.fromEntries(answer.headers));
  res.end(Buffer.from(await answer.arrayBuffer()));
}

/** What this process answers itself when the console runs elsewhere: its own probes and metrics. */
/**
 * /readyz of the gateway, with the console process's state beside it. The console does not
 * decide readiness: the API serves without it, and a load balancer taking the instance out
 * would take the API down too.
 */
async function readyzWithConsole(consoleUp: () => Promise<boolean>): Promise<Response> {
  return readyzResponse({ console: (await consoleUp()) ? "ok" : "error" });
}

function ownEndpoints(consoleUp: () => Promise<boolean>): Map<string, (req: http.IncomingMessage) => Promise<Response>> {
  const headersOf = (req: http.IncomingMessage) => {
    const h = new Headers();
    const auth = req.headers.authorization;
    if (auth) h.set("authorization", auth);
    return h;
  };
  return new Map<string, (req: http.IncomingMessage) => Promise<Response>>([
    ["/livez", async () => livezResponse()],
    ["/readyz", () => readyzWithConsole(consoleUp)],
    ["/metrics", (req) => metricsResponse(new Request("http://localhost/metrics", { headers: headersOf(req) }))],
  ]);
}

/**
 * Routes one request: the fast lane for /api/v1 (when on), Next for the rest (404 without Next).
 * `console` (a proxy to the console process, lib/server/console.ts) replaces Next; this process
 * then answers /livez, /readyz and /metrics itself, as they describe the gateway.
 */
export function requestListener(opts: { next: NextApp | null; fastLane: boolean; console?: { handle: http.RequestListener; up(): Promise<boolean> } }): http.RequestListener {
  installObservability(); // logs, metrics and traces of the gateway (once per process)
  const fast = opts.fastLane ? nodeHandler() : null;
  const nextHandle = opts.console?.handle ?? opts.next?.handle ?? null;
  const own = opts.console ? ownEndpoints(opts.console.up) : null;
  // What next.config.ts's headers() adds to every /api response when Next.js serves it.
  const apiHeaders = Object.entries(staticSecurityHeaders());
  return (req, res) => {
    if (fast && isApiPath(req.url)) {
      for (const [name, value] of apiHeaders) res.setHeader(name, value);
      void fast(req, res);
      return;
    }
    const local = own && (req.method === "GET" || req.method === "HEAD") ? own.get((req.url ?? "/").split("?", 1)[0]) : undefined;
    if (local) {
      local(req).then((answer) => writeWebResponse(res, answer), () => res.writeHead(500).end());
      return;
    }
    if (nextHandle) {
      void nextHandle(req, res);
      return;
    }
    res.writeHead(404).end();
  };
}

export async function listen(listener: http.RequestListener, port: number, hostname?: string): Promise<RunningServer> {
  const server = http.createServer(listener);
  // Keep-alive connections outlive a load balancer's usual idle timeout (60 s), so it never
  // writes onto a socket this server is just closing.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port: bound } = server.address() as AddressInfo;
  const host = hostname && hostname !== "0.0.0.0" && hostname !== "::" ? hostname : "127.0.0.1";
  return {
    server,
    url: `http://${host}:${bound}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The fast lane (unless off) in front of Next.js, listening on `port`. Next.js runs in this
 * process, or — `consoleSocket` — in the console process listening there (lib/server/console.ts).
 */
export async function startServer(opts: { port: number; hostname?: string; fastLane: boolean; dir?: string; consoleSocket?: string }): Promise<DrainableServer> {
  const app = opts.consoleSocket ? null : await prepareNext({ dir: opts.dir, hostname: opts.hostname, port: opts.port });
  const tracked = drainable(requestListener({ next: app, fastLane: opts.fastLane, console: opts.consoleSocket ? consoleAt(opts.consoleSocket) : undefined }));
  const running = await listen(tracked.listener, opts.port, opts.hostname);
  const close = async () => {
    await running.close();
    await app?.close();
  };
  return {
    ...running,
    close,
    drain: (timeoutMs) => drain(tracked, { timeoutMs, cutConnections: () => running.server.closeAllConnections(), close }),
  };
}
