// Unknown /api/v1 paths answer in the API's error shape (not an HTML page).
import { AppError } from "@/lib/errors";
import { errorResponse } from "@/lib/gateway/errors";
import { acceptRequestId } from "@/lib/ids";

export const dynamic = "force-dynamic";

function notFound(req: Request): Response {
  const requestId = acceptRequestId(req.headers.get("x-request-id"));
  const path = new URL(req.url).pathname;
  const format = path.endsWith("/messages") || req.headers.has("anthropic-version") ? "anthropic" : "openai";
  return errorResponse(new AppError("NOT_FOUND", `Unknown endpoint ${req.method} ${path}.`), requestId, format);
}

export const GET = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
