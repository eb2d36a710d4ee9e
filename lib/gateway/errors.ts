// The edge mapping of gateway errors to HTTP: OpenAI's error shape (plus flat code/status/
// request_id) everywhere, and Anthropic's `{"type":"error","error":{...}}` on /messages so both
// SDKs parse them natively. Only Refusals reach the client as themselves; anything else is logged
// with the request id and answered as a generic 500.
import { ERROR_STATUS, errorType } from "@/lib/errors";
import type { Wire } from "./providers/wire";
import { jsonResponse, type GatewayResponse } from "./core/types";
import { isRefusal, Refusal } from "./core/refusal";
import { errFields, log } from "@/lib/log";

export type ApiFormat = Wire;

function anthropicType(status: number): string {
  switch (status) {
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

export function statusOf(r: Refusal): number {
  return ERROR_STATUS[r.code];
}

export function errorBody(r: Refusal, requestId: string, format: ApiFormat): Record<string, unknown> {
  const status = statusOf(r);
  const flat: Record<string, unknown> = { code: r.code, status, request_id: requestId };
  if (r.retryAfterSeconds !== undefined) flat.retry_after = r.retryAfterSeconds;
  if (format === "anthropic") return { type: "error", error: { type: anthropicType(status), message: r.message }, ...flat };
  return { error: { message: r.message, type: errorType(r.code), code: r.code, param: r.param }, ...flat };
}

let lastLog = 0;
/** Internal errors are logged server-side (with the request id) and never shown to clients. */
export function logInternal(requestId: string, e: unknown): void {
  const now = Date.now();
  if (now - lastLog < 50) return; // a storm of identical failures should not drown the log
  lastLog = now;
  log("gateway").error({ requestId, ...errFields(e) }, "internal error");
}

const INTERNAL = () => new Refusal("INTERNAL_ERROR", "Internal error. Quote the request id if you contact support.");

/** Whatever was thrown, as the response the client gets. `onInternal` sees unexpected errors. */
export function errorResult(e: unknown, requestId: string, format: ApiFormat, headers: Record<string, string> = {}, onInternal?: (e: unknown) => void): GatewayResponse {
  let r: Refusal;
  if (isRefusal(e) && e.code !== "INTERNAL_ERROR") r = e;
  else {
    r = INTERNAL();
    logInternal(requestId, isRefusal(e) ? (e.cause ?? e) : e);
    onInternal?.(e);
  }
  const h: Record<string, string> = { ...headers, ...(r.headers ?? {}), "X-Request-Id": requestId };
  if (r.retryAfterSeconds !== undefined) h["Retry-After"] = String(Math.max(1, Math.ceil(r.retryAfterSeconds)));
  // The rest of an oversized upload was not read: this connection cannot carry another request.
  if (r.code === "PAYLOAD_TOO_LARGE") h.Connection = "close";
  return jsonResponse(statusOf(r), errorBody(r, requestId, format), h);
}
