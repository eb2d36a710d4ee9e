// The gateway's domain errors: a Refusal is an answer the client is meant to see (bad input,
// unknown model, no credits, rate limited, upstream failed). It carries a code, never an HTTP
// status: the edge (errors.ts) maps codes to statuses through lib/errors' one table. Anything
// else that escapes a call — including an AppError thrown by another module's internals, whose
// message and `param` describe our code, not the client's request — is an internal error and
// answers a generic 500.
import { isAppError, type ErrorCode } from "@/lib/errors";

export interface RefusalOptions {
  /** The request field the refusal is about (only fields the client sent). */
  param?: string | null;
  retryAfterSeconds?: number;
  /** Extra response headers (e.g. the rate-limit headers of a 429). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class Refusal extends Error {
  readonly code: ErrorCode;
  readonly param: string | null;
  readonly retryAfterSeconds?: number;
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, message: string, opts: RefusalOptions = {}) {
    super(message, { cause: opts.cause });
    this.name = "Refusal";
    this.code = code;
    this.param = opts.param ?? null;
    this.retryAfterSeconds = opts.retryAfterSeconds;
    this.headers = opts.headers;
  }
}

export function isRefusal(e: unknown): e is Refusal {
  return e instanceof Refusal;
}

/**
 * For the steps whose AppErrors are documented answers to the client — key authentication
 * (401/403) and admission (429) — the same error as a Refusal. Anything else is rethrown as is.
 */
export function asRefusal(e: unknown): Refusal {
  if (isRefusal(e)) return e;
  if (isAppError(e) && e.code !== "INTERNAL_ERROR") {
    return new Refusal(e.code, e.message, { param: e.param, retryAfterSeconds: e.retryAfterSeconds, headers: e.headers, cause: e });
  }
  throw e;
}
