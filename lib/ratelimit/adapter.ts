// Makes an ioredis client (or ioredis-mock) look like the part of @upstash/redis that
// @upstash/ratelimit uses. Checked against @upstash/ratelimit 2.2 (dist/index.mjs, safeEval):
// with analytics, protection and dynamic limits off, the limiter only calls
//   redis.evalsha(hash, keys, args)  and, when that fails with "NOSCRIPT", redis.eval(script, keys, args).
// Its scripts start with `#!lua flags=allow-key-locking` (an Upstash locking hint) which stock
// Redis 7.0 rejects ("Unexpected flag in script shebang") and Lua interpreters cannot parse, so
// we strip that line. That changes the script's SHA, so we remember, per original hash, the
// stripped body and its own SHA: after the first EVAL every call is a single EVALSHA.
import { createHash } from "node:crypto";
import type { Redis as IORedis } from "ioredis";

const SHEBANG_RE = /^#!lua[^\n]*\n/;

export function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

export function stripShebang(script: string): string {
  return script.replace(SHEBANG_RE, "");
}

interface Known {
  body: string;
  sha: string;
}

function isNoScript(e: unknown): boolean {
  return String(e).includes("NOSCRIPT");
}

/** The subset of @upstash/redis we (and @upstash/ratelimit) call. */
export interface ScriptRedis {
  evalsha(sha: string, keys: string[], args: unknown[]): Promise<unknown>;
  eval(script: string, keys: string[], args: unknown[]): Promise<unknown>;
  zrem(key: string, ...members: string[]): Promise<unknown>;
}

export class IoredisUpstashAdapter implements ScriptRedis {
  private readonly known = new Map<string, Known>();

  constructor(private readonly client: IORedis) {}

  private remember(script: string): Known {
    const original = sha1(script);
    let k = this.known.get(original);
    if (!k) {
      const body = stripShebang(script);
      k = { body, sha: sha1(body) };
      this.known.set(original, k);
    }
    return k;
  }

  // Must issue the command synchronously (no await before it) so ioredis auto-pipelining can
  // put it in the same network write as the concurrency script.
  evalsha(sha: string, keys: string[], args: unknown[]): Promise<unknown> {
    const k = this.known.get(sha);
    if (!k) return Promise.reject(new Error("NOSCRIPT No matching script. Please use EVAL."));
    const argv = args.map(String);
    return this.client.evalsha(k.sha, keys.length, ...keys, ...argv).catch((e: unknown) => {
      // Redis restarted or SCRIPT FLUSH: load it again with EVAL.
      if (isNoScript(e)) return this.client.eval(k.body, keys.length, ...keys, ...argv);
      throw e;
    });
  }

  eval(script: string, keys: string[], args: unknown[]): Promise<unknown> {
    const k = this.remember(script);
    return this.client.eval(k.body, keys.length, ...keys, ...args.map(String));
  }

  zrem(key: string, ...members: string[]): Promise<unknown> {
    return this.client.zrem(key, ...members);
  }
}

/** EVALSHA with an EVAL fallback, for our own scripts (hash computed once). */
export class Script {
  readonly sha: string;
  constructor(readonly body: string) {
    this.sha = sha1(body);
  }
  run(redis: ScriptRedis, keys: string[], args: unknown[]): Promise<unknown> {
    return redis.evalsha(this.sha, keys, args).catch((e: unknown) => {
      if (isNoScript(e)) return redis.eval(this.body, keys, args);
      throw e;
    });
  }
}
