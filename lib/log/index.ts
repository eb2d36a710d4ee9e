// The one logger of the server (pino). LOG_FORMAT=json|pretty (json in production, pretty for
// development and the local evaluation server), LOG_LEVEL. No worker-thread transport (Next's
// bundler cannot follow one). JSON lines go to stdout asynchronously, gathered up to 4 KiB or
// 200 ms: a synchronous write per request line is a system call on the API's hot path, while
// lines written together cost one. They are flushed synchronously when the process exits
// (uncaught errors included), so only a kill -9 or an out-of-memory kill loses the last ≤ 200 ms.
import pino, { type Logger } from "pino";
import pretty from "pino-pretty";
import { env, localMode, type Env } from "@/lib/env";

export type { Logger };

type G = typeof globalThis & { __tollgateLogger?: Logger };
const g = globalThis as G;

function settings(): { format: "json" | "pretty"; level: Env["LOG_LEVEL"] } {
  let e: Env | undefined;
  try {
    e = env();
  } catch {
    // An invalid environment is reported by whoever validates it; logging must still work.
  }
  // Raw NODE_ENV only when the schema itself failed: the logger must still pick a format.
  const production = (e?.NODE_ENV ?? process.env.NODE_ENV) === "production" && !(e && localMode(e));
  return { format: e?.LOG_FORMAT ?? (production ? "json" : "pretty"), level: e?.LOG_LEVEL ?? "info" };
}

/** Builds a logger; `destination` lets tests capture the lines. */
export function createLogger(opts: { format: "json" | "pretty"; level: string; destination?: NodeJS.WritableStream }): Logger {
  const base = { level: opts.level, base: { service: "tollgate" }, timestamp: pino.stdTimeFunctions.isoTime };
  if (opts.format === "pretty") {
    return pino(base, pretty({ sync: true, colorize: !opts.destination && process.stdout.isTTY, ignore: "pid,hostname,service,component", messageFormat: "{if component}[{component}] {end}{msg}", translateTime: "SYS:HH:MM:ss", destination: opts.destination ?? 1 }));
  }
  if (opts.destination) return pino(base, opts.destination);
  return pino(base, stdoutDestination());
}

type Destination = ReturnType<typeof pino.destination>;
const gd = globalThis as typeof globalThis & { __tollgateStdout?: Destination };

/** One buffered stdout per process, however many loggers are built (tests rebuild them). */
function stdoutDestination(): Destination {
  if (gd.__tollgateStdout) return gd.__tollgateStdout;
  // Bounded: a stdout nobody reads drops lines past 16 MiB rather than growing the heap.
  const stdout = pino.destination({ dest: 1, sync: false, minLength: 4096, maxLength: 16 * 1024 * 1024 });
  // Lines wait for 4 KiB to gather, but never longer than this: a quiet server's log stays live.
  setInterval(() => {
    try {
      stdout.flush();
    } catch {
      // a write is in flight or stdout is gone; the next tick retries
    }
  }, 200).unref();
  process.once("exit", () => {
    try {
      stdout.flushSync();
    } catch {
      // stdout already gone: nothing left to write to
    }
  });
  gd.__tollgateStdout = stdout;
  return stdout;
}

/** The process-wide logger (shared by Next's bundle and the custom server through globalThis). */
export function logger(): Logger {
  g.__tollgateLogger ??= createLogger(settings());
  return g.__tollgateLogger;
}

/** Replace the process logger (tests). */
export function setLogger(l: Logger | undefined): void {
  g.__tollgateLogger = l;
}

/** A child logger for one part of the system: `log("ratelimit").warn(...)`. */
export function log(component: string): Logger {
  return logger().child({ component });
}

/** An error as log fields: message and stack, never the objects it references. */
export function errFields(e: unknown): { err: { type: string; message: string; stack?: string } } {
  if (e instanceof Error) return { err: { type: e.name, message: e.message, stack: e.stack } };
  return { err: { type: typeof e, message: String(e) } };
}
