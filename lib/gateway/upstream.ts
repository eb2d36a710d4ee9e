// HTTP client for upstream providers on node:http(s): pooled keep-alive connections, separate
// connect / first-byte / idle timeouts, retries (429, 5xx, connect errors — never after a byte
// reached our client, which holds because we only retry before returning anything) with
// exponential backoff + jitter honouring Retry-After, and the per-provider circuit breaker.
import http, { type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import https from "node:https";
import { breakerAllows, breakerFailure, breakerSuccess } from "./breaker";
import { gatewayConfig } from "./config";

export type FailureKind = "status" | "timeout" | "connect" | "circuit_open" | "aborted" | "cut";

export class UpstreamFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly status?: number,
    readonly bodyText?: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = "UpstreamFailure";
  }
}

export interface UpstreamTarget {
  /** Circuit-breaker name, e.g. "openai" or "mock". */
  breaker: string;
  url: string;
  headers: Record<string, string>;
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  /** performance.now() when the (final) response headers arrived. */
  headersAt: number;
  attempts: number;
}

type G = typeof globalThis & { __tollgateAgents?: { http: http.Agent; https: https.Agent } };
const g = globalThis as G;
function agents(): { http: http.Agent; https: https.Agent } {
  g.__tollgateAgents ??= {
    http: new http.Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64, scheduling: "lifo" }),
    https: new https.Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64, scheduling: "lifo" }),
  };
  return g.__tollgateAgents;
}

function retryAfterMs(headers: IncomingHttpHeaders): number | undefined {
  const ms = headers["retry-after-ms"];
  if (typeof ms === "string" && /^\d+(\.\d+)?$/.test(ms)) return Number(ms);
  const ra = headers["retry-after"];
  if (typeof ra !== "string") return undefined;
  if (/^\d+(\.\d+)?$/.test(ra.trim())) return Number(ra) * 1000;
  const at = Date.parse(ra);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

async function readSmall(res: IncomingMessage, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) break;
      chunks.push(chunk);
    }
  } catch {
    // truncated error body: whatever arrived is enough
  }
  res.destroy();
  return Buffer.concat(chunks).toString("utf8");
}

/** One attempt: resolves with the response once its headers arrived. */
function attempt(target: UpstreamTarget, body: string, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    // A client already gone: no request at all.
    if (signal.aborted) return reject(new UpstreamFailure("aborted", "client went away"));
    const url = new URL(target.url);
    const isHttps = url.protocol === "https:";
    const payload = Buffer.from(body, "utf8");
    const req = (isHttps ? https : http).request(url, {
      method: "POST",
      agent: isHttps ? agents().https : agents().http,
      headers: { ...target.headers, "content-type": "application/json", "content-length": String(payload.length), accept: target.headers.accept ?? "application/json, text/event-stream" },
    });
    let settled = false;
    const timers: ReturnType<typeof setTimeout>[] = [];
    // Registered before anything can destroy the request: a ClientRequest destroyed without an
    // 'error' listener throws its ECONNRESET at the process (it used to, when a client hung up
    // just as the attempt started).
    req.on("error", (e: NodeJS.ErrnoException) => {
      // Errors before any response: the request may never have reached the provider.
      finish(new UpstreamFailure("connect", `upstream connection failed: ${e.code ?? e.message}`));
    });
    const finish = (err: Error | null, res?: IncomingMessage) => {
      if (settled) return;
      settled = true;
      timers.forEach(clearTimeout);
      signal.removeEventListener("abort", onAbort);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(res!);
    };
    const onAbort = () => finish(new UpstreamFailure("aborted", "client went away"));
    signal.addEventListener("abort", onAbort, { once: true });

    req.on("socket", (socket) => {
      if ((socket as { connecting?: boolean }).connecting) {
        const t = setTimeout(() => finish(new UpstreamFailure("connect", `connect timeout after ${gatewayConfig.connectTimeoutMs()} ms`)), gatewayConfig.connectTimeoutMs());
        timers.push(t);
        socket.once(isHttps ? "secureConnect" : "connect", () => clearTimeout(t));
      }
    });
    req.on("response", (res) => {
      res.on("error", () => undefined); // surfaced to whoever iterates the body
      if (settled) {
        res.destroy(); // the client left while the headers were on their way
        return;
      }
      finish(null, res);
    });
    req.end(payload, () => {
      // First-byte timer starts when the whole request was written.
      if (!settled) timers.push(setTimeout(() => finish(new UpstreamFailure("timeout", `no response from upstream within ${gatewayConfig.firstByteTimeoutMs()} ms`)), gatewayConfig.firstByteTimeoutMs()));
    });
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new UpstreamFailure("aborted", "client went away"));
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new UpstreamFailure("aborted", "client went away"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function backoffMs(retry: number): number {
  const base = gatewayConfig.retryBaseMs() * 2 ** retry;
  return Math.round(base * (0.5 + Math.random())); // ±50 % jitter spreads synchronized retries
}

/**
 * POSTs `body` and resolves with a 2xx response whose body the caller consumes; anything else
 * (after retries) rejects with UpstreamFailure. 4xx other than 429 is not retried.
 */
export async function requestUpstream(target: UpstreamTarget, body: string, signal: AbortSignal): Promise<UpstreamResponse> {
  const maxRetries = gatewayConfig.maxRetries();
  let last: UpstreamFailure | null = null;
  for (let i = 0; i <= maxRetries; i++) {
    if (i > 0) {
      const wait = Math.max(backoffMs(i - 1), last?.retryAfterMs ?? 0);
      if (wait > gatewayConfig.retryMaxWaitMs()) break;
      await sleep(wait, signal);
    }
    if (!breakerAllows(target.breaker)) {
      throw new UpstreamFailure("circuit_open", `upstream ${target.breaker} is unavailable (circuit open)`);
    }
    let res: IncomingMessage;
    try {
      res = await attempt(target, body, signal);
    } catch (e) {
      const f = e instanceof UpstreamFailure ? e : new UpstreamFailure("connect", String(e));
      if (f.kind === "aborted") throw f;
      breakerFailure(target.breaker);
      if (f.kind === "timeout") throw f; // the provider may be working on it: never resend
      last = f;
      continue;
    }
    const status = res.statusCode ?? 502;
    if (status < 400) {
      breakerSuccess(target.breaker);
      return { status, headers: res.headers, body: res, headersAt: performance.now(), attempts: i + 1 };
    }
    const text = await readSmall(res);
    const failure = new UpstreamFailure("status", `upstream answered ${status}`, status, text, retryAfterMs(res.headers));
    if (status >= 500) breakerFailure(target.breaker);
    else breakerSuccess(target.breaker); // the provider is up; the request was refused
    if (status !== 429 && status < 500) throw failure;
    last = failure;
  }
  throw last ?? new UpstreamFailure("connect", "upstream unavailable");
}

/** The body, chunk by chunk, failing with kind "timeout" after `idleMs` without data. */
export async function* bodyChunks(res: IncomingMessage, idleMs: number): AsyncGenerator<Buffer> {
  const it = (res as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const next = it.next();
    const idle = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new UpstreamFailure("timeout", `upstream stream idle for ${idleMs} ms`)), idleMs);
    });
    let r: IteratorResult<Buffer>;
    try {
      r = await Promise.race([next, idle]);
    } catch (e) {
      next.catch(() => undefined);
      res.destroy();
      if (e instanceof UpstreamFailure) throw e;
      throw new UpstreamFailure("cut", `upstream stream broke: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      clearTimeout(timer);
    }
    if (r.done) return;
    yield r.value;
  }
}
