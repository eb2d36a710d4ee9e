// One error class for the whole app. Codes map to HTTP statuses here and only here; anything
// that is not an AppError becomes a generic INTERNAL_ERROR (no stack, no SQL text).
export const ERROR_STATUS = {
  INVALID_API_KEY: 401,
  KEY_REVOKED: 401,
  KEY_EXPIRED: 401,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  ACCOUNT_SUSPENDED: 403,
  ACCOUNT_CLOSED: 403,
  INSUFFICIENT_CREDITS: 402,
  KEY_CREDIT_LIMIT_REACHED: 402,
  DAILY_SPEND_CAP_REACHED: 402,
  RATE_LIMITED: 429,
  CONCURRENCY_LIMITED: 429,
  INVALID_REQUEST: 400,
  NOT_FOUND: 404,
  MODEL_NOT_FOUND: 404,
  MODEL_SUNSET: 410,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // nginx's convention for "the client went away first"; only ever written to logs.
  CLIENT_CLOSED: 499,
  UPSTREAM_ERROR: 502,
  UPSTREAM_TIMEOUT: 504,
  UPSTREAM_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** OpenAI-style error `type` for each status family. */
export function errorType(code: ErrorCode): string {
  const status = ERROR_STATUS[code];
  if (code === "INSUFFICIENT_CREDITS" || code === "KEY_CREDIT_LIMIT_REACHED" || code === "DAILY_SPEND_CAP_REACHED") return "insufficient_quota";
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 404) return "not_found_error";
  if (status === 429) return "rate_limit_error";
  if (status === 413) return "request_too_large";
  if (status >= 500) return code === "INTERNAL_ERROR" || code === "SERVICE_UNAVAILABLE" ? "api_error" : "upstream_error";
  return "invalid_request_error";
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly param: string | null;
  readonly retryAfterSeconds?: number;
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, message: string, opts: { param?: string | null; retryAfterSeconds?: number; headers?: Record<string, string>; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = "AppError";
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.param = opts.param ?? null;
    this.retryAfterSeconds = opts.retryAfterSeconds;
    this.headers = opts.headers;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** Whatever was thrown, as an AppError safe to show to a client. */
export function toAppError(e: unknown): AppError {
  if (isAppError(e)) return e;
  return new AppError("INTERNAL_ERROR", "Internal error. Quote the request id if you contact support.", { cause: e });
}

/** zod issues → INVALID_REQUEST naming the field path. */
export function invalidRequestFromZod(issues: { path: PropertyKey[]; message: string }[]): AppError {
  const first = issues[0];
  const param = first && first.path.length ? first.path.map(String).join(".") : null;
  const message = first ? `${param ? `${param}: ` : ""}${first.message}` : "Invalid request";
  return new AppError("INVALID_REQUEST", message, { param });
}
