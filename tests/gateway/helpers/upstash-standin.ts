// A local stand-in for the Upstash Redis REST API, backed by the real Redis at `redisUrl`, so the
// limiter's @upstash/redis store path runs end to end without an Upstash account. It follows
// what @upstash/redis 1.39 (pkg/http.ts, pkg/pipeline.ts) sends and expects:
//   POST /             body ["CMD", ...args]          → {"result": r} | HTTP 400 {"error": "..."}
//   POST /pipeline     body [["CMD", ...], ...]       → [{"result": r} | {"error": "..."}, ...]
//   POST /multi-exec   same, atomically (MULTI/EXEC)  → same shape; a queue-time error aborts → 400
//   Authorization: Bearer <token> (401 otherwise); `Upstash-Encoding: base64` → every string in a
//   result is base64 of its bytes except the status "OK"; `upstash-sync-token` echoed back.
// Upstash accepts its own `#!lua flags=allow-key-locking` script hint (used by every
// @upstash/ratelimit script) which stock Redis rejects, so we drop that flag before Redis sees the
// script and map the client's SHA (of the original text) to the SHA Redis knows.
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";

const MAX_BODY_BYTES = 1024 * 1024;

export interface StandinStats {
  /** Authorised HTTP requests, by path ("/", "/pipeline", "/multi-exec"). */
  requests: Record<string, number>;
  /** Every command executed, upper-case name only, in arrival order. */
  commands: string[];
  unauthorized: number;
}

export interface UpstashStandin {
  url: string;
  token: string;
  stats: StandinStats;
  resetStats(): void;
  totalRequests(): number;
  close(): Promise<void>;
}

type Arg = string | number | boolean;
type Reply = Buffer | string | number | null | Reply[];
type Encoded = string | number | null | Encoded[];

class BadRequest extends Error {}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

const SHEBANG_RE = /^#!lua([^\n]*)(\n|$)/;

/** Removes the Upstash-only flag; keeps any flag Redis itself understands. */
function forRedis(script: string): string {
  const m = SHEBANG_RE.exec(script);
  if (!m) return script;
  const flagsMatch = /\bflags=(\S*)/.exec(m[1]);
  if (!flagsMatch) return script;
  const flags = flagsMatch[1].split(",").filter((f) => f && f !== "allow-key-locking");
  const rest = script.slice(m[0].length);
  return flags.length ? `#!lua flags=${flags.join(",")}\n${rest}` : rest;
}

function encode(value: Reply, base64: boolean): Encoded {
  if (value === null || typeof value === "number") return value;
  if (Array.isArray(value)) return value.map((v) => encode(v, base64));
  const buf = typeof value === "string" ? Buffer.from(value) : value;
  const text = buf.toString("utf8");
  if (!base64 || text === "OK") return text;
  return buf.toString("base64");
}

function parseCommand(raw: unknown): [string, string[]] {
  if (!Array.isArray(raw) || raw.length === 0) throw new BadRequest("ERR failed to parse command");
  for (const a of raw) {
    if (typeof a !== "string" && typeof a !== "number" && typeof a !== "boolean") throw new BadRequest("ERR failed to parse command");
  }
  const [name, ...args] = (raw as Arg[]).map(String);
  return [name.toUpperCase(), args];
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export async function startUpstashStandin(opts: { redisUrl: string; token?: string }): Promise<UpstashStandin> {
  const token = opts.token ?? `standin-${createHash("sha1").update(String(Math.random())).digest("hex").slice(0, 16)}`;
  const redis = new Redis(opts.redisUrl, { connectionName: "upstash-standin", maxRetriesPerRequest: 1 });
  redis.on("error", () => undefined);
  /** SHA the client knows (of the original script) → SHA Redis knows (of the rewritten one). */
  const shas = new Map<string, string>();
  let syncToken = 0;
  const stats: StandinStats = { requests: {}, commands: [], unauthorized: 0 };

  // Rewrites script commands so Redis runs what Upstash would run; `reply` maps Redis's answer
  // back to what Upstash would say (SCRIPT LOAD returns the client's SHA).
  function translate(name: string, args: string[]): { name: string; args: string[]; reply?: (r: Reply) => Reply } {
    if ((name === "EVAL" || name === "EVAL_RO") && args.length > 0) {
      const body = forRedis(args[0]);
      shas.set(sha1(args[0]), sha1(body));
      return { name, args: [body, ...args.slice(1)] };
    }
    if ((name === "EVALSHA" || name === "EVALSHA_RO") && args.length > 0) {
      return { name, args: [shas.get(args[0].toLowerCase()) ?? args[0], ...args.slice(1)] };
    }
    if (name === "SCRIPT" && args[0]?.toUpperCase() === "LOAD" && args.length === 2) {
      const original = sha1(args[1]);
      const body = forRedis(args[1]);
      shas.set(original, sha1(body));
      return { name, args: ["LOAD", body], reply: () => original };
    }
    return { name, args };
  }

  async function one(raw: unknown, base64: boolean): Promise<{ result: Encoded } | { error: string }> {
    const [name, args] = parseCommand(raw);
    stats.commands.push(name);
    const t = translate(name, args);
    try {
      const r = (await redis.callBuffer(t.name, ...t.args)) as Reply;
      return { result: encode(t.reply ? t.reply(r) : r, base64) };
    } catch (e) {
      return { error: errorMessage(e) };
    }
  }

  async function multiExec(raw: unknown[], base64: boolean): Promise<Array<{ result: Encoded } | { error: string }>> {
    const parsed = raw.map(parseCommand);
    const tx = redis.multi();
    const replies: Array<((r: Reply) => Reply) | undefined> = [];
    for (const [name, args] of parsed) {
      stats.commands.push(name);
      const t = translate(name, args);
      tx.callBuffer(t.name, ...t.args);
      replies.push(t.reply);
    }
    const out = await tx.exec(); // rejects with EXECABORT on a queue-time error
    if (!out) throw new Error("EXECABORT Transaction discarded");
    return out.map(([err, r], i) => {
      if (err) return { error: errorMessage(err) };
      const fix = replies[i];
      return { result: encode(fix ? fix(r as Reply) : (r as Reply), base64) };
    });
  }

  function send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json", "upstash-sync-token": String(++syncToken) });
    res.end(JSON.stringify(body));
  }

  async function readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new BadRequest("ERR max request size exceeded");
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString("utf8");
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.headers.authorization !== `Bearer ${token}`) {
      stats.unauthorized++;
      req.resume();
      return send(res, 401, { error: "Unauthorized" });
    }
    const path = (req.url ?? "/").split("?")[0].replace(/\/+$/, "") || "/";
    if (req.method !== "POST" || !["/", "/pipeline", "/multi-exec"].includes(path)) {
      req.resume();
      return send(res, 400, { error: `ERR unsupported request ${req.method} ${path}` });
    }
    stats.requests[path] = (stats.requests[path] ?? 0) + 1;
    const base64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    try {
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch (e) {
        throw e instanceof BadRequest ? e : new BadRequest("ERR failed to parse command");
      }
      if (path === "/") {
        const r = await one(body, base64);
        return send(res, "error" in r ? 400 : 200, r);
      }
      if (!Array.isArray(body) || body.length === 0) throw new BadRequest("ERR failed to parse pipeline request");
      if (path === "/pipeline") {
        // Validate every command first: a malformed pipeline runs nothing.
        body.forEach(parseCommand);
        const out = [];
        for (const c of body) out.push(await one(c, base64)); // in order, not atomic
        return send(res, 200, out);
      }
      return send(res, 200, await multiExec(body, base64));
    } catch (e) {
      send(res, 400, { error: errorMessage(e) });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, { error: errorMessage(e) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    stats,
    resetStats() {
      stats.requests = {};
      stats.commands = [];
      stats.unauthorized = 0;
    },
    totalRequests() {
      return Object.values(stats.requests).reduce((a, b) => a + b, 0);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis.disconnect();
    },
  };
}
