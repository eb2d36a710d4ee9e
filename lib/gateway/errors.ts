// Error bodies for /api/v1: OpenAI's shape (plus flat code/status/request_id) everywhere, and
// Anthropic's `{"type":"error","error":{...}}` on /messages so both SDKs parse them natively.
import { AppError, errorType, toAppError } from "@/lib/errors";

export type ApiFormat = "openai" | "anthropic";

function anthropicType(err: AppError): string {
  switch (err.status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 503:
      return "overloaded_error";
    case 504:
      return "timeout_error";
    default:
      return "api_error";
  }
}

export function errorBody(err: AppError, requestId: string, format: ApiFormat): Record<string, unknown> {
  const flat: Record<string, unknown> = { code: err.code, status: err.status, request_id: requestId };
  if (err.retryAfterSeconds !== undefined) flat.retry_after = err.retryAfterSeconds;
  if (format === "anthropic") return { type: "error", error: { type: anthropicType(err), message: err.message }, ...flat };
  return { error: { message: err.message, type: errorType(err.code), code: err.code, param: err.param }, ...flat };
}

let lastLog = 0;
/** Internal errors are logged server-side (with the request id) and never shown to clients. */
export function logInternal(requestId: string, e: unknown): void {
  const now = Date.now();
  if (now - lastLog < 50) return; // a storm of identical failures should not drown the log
  lastLog = now;
  const detail = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ""}` : String(e);
  console.error(`[tollgate] ${requestId} internal error: ${detail}`);
}

export function errorResponse(e: unknown, requestId: string, format: ApiFormat, headers: Record<string, string> = {}): Response {
  const err = toAppError(e);
  if (err.code === "INTERNAL_ERROR") logInternal(requestId, err.cause ?? e);
  const h: Record<string, string> = { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers, ...(err.headers ?? {}), "X-Request-Id": requestId };
  if (err.retryAfterSeconds !== undefined) h["Retry-After"] = String(Math.max(1, Math.ceil(err.retryAfterSeconds)));
  // The rest of an oversized upload was not read: this connection cannot carry another request.
  if (err.code === "PAYLOAD_TOO_LARGE") h.Connection = "close";
  return new Response(JSON.stringify(errorBody(err, requestId, format)), { status: err.status, headers: h });
}
