// The OpenAPI 3.1 document of /api/v1, built from API_PATHS and the zod schemas that validate
// requests. Built once per process; the guide (docs/api-guide.md) is its introduction.
import fs from "node:fs";
import path from "node:path";
import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { anthropicErrorSchema, creditHeaders, openAiErrorSchema, rateLimitHeaders, requestIdHeader } from "./components";
import { API_PATHS, type ApiPath, type ErrorStatus } from "./paths";

const ERROR_TEXT: Record<ErrorStatus, string> = {
  400: "INVALID_REQUEST: malformed JSON or a field out of range (error.param names it). Do not retry unchanged.",
  401: "INVALID_API_KEY, KEY_REVOKED or KEY_EXPIRED: the key is missing, malformed, unknown, revoked or expired.",
  402:
    "INSUFFICIENT_CREDITS: available credit (balance − held) cannot cover the hold of this call; " +
    "KEY_CREDIT_LIMIT_REACHED / DAILY_SPEND_CAP_REACHED: the key's own limits. Nothing was charged and the upstream was not called. " +
    "Top up (or raise the key's limit) before retrying; retrying unchanged fails the same way.",
  404: "NOT_FOUND or MODEL_NOT_FOUND (the model is unknown, or its provider is not configured).",
  413: "PAYLOAD_TOO_LARGE: the body is over 4 MiB.",
  415: "UNSUPPORTED_MEDIA_TYPE: send Content-Type: application/json.",
  429:
    "RATE_LIMITED: the key's requests-per-minute limit (sliding window), or too many failed authentications from one address; " +
    "CONCURRENCY_LIMITED: the account's calls in flight are at its tier's limit. Wait Retry-After seconds (also retry_after in the body). " +
    "Nothing was charged.",
  500: "INTERNAL_ERROR: quote request_id. Whatever was held is released; retry with backoff.",
  502: "UPSTREAM_ERROR: the provider failed after retries (or refused its credentials). Only usage the provider reported is charged.",
  503: "UPSTREAM_UNAVAILABLE: the provider's circuit breaker is open, or the service is draining. Retry with backoff.",
  504: "UPSTREAM_TIMEOUT: the provider did not answer in time.",
};

const headerObjects = (p: ApiPath) => ({
  ...requestIdHeader,
  ...(p.success.rateLimited ? rateLimitHeaders : {}),
  ...(p.success.credit ? creditHeaders : {}),
});

function register(registry: OpenAPIRegistry, p: ApiPath): void {
  const errorSchema = p.errorFormat === "anthropic" ? anthropicErrorSchema : openAiErrorSchema;
  const responses: Record<string, { description: string; headers?: object; content?: object }> = {
    200: {
      description: p.success.description,
      headers: headerObjects(p),
      content: {
        "application/json": { schema: p.success.schema },
        ...(p.success.stream ? { "text/event-stream": { schema: { type: "string", description: "Server-sent events, as the provider sends them" } } } : {}),
      },
    },
  };
  for (const status of p.errors) {
    const headers = { ...requestIdHeader, ...(status === 429 ? { ...rateLimitHeaders, "Retry-After": { description: "Seconds to wait", schema: { type: "integer" } } } : {}) };
    responses[status] = { description: ERROR_TEXT[status], headers, content: { "application/json": { schema: errorSchema } } };
  }
  for (const [status, r] of Object.entries(p.other ?? {})) responses[status] = { description: r.description, content: { "application/json": { schema: r.schema } } };
  registry.registerPath({
    method: p.method,
    path: p.path,
    tags: [p.tag],
    summary: p.summary,
    description: p.description,
    security: p.auth ? [{ bearerAuth: [] }, { apiKeyHeader: [] }] : [],
    request: {
      ...(p.body ? { body: { required: true, content: { "application/json": { schema: p.body } } } } : {}),
      ...(p.query ? { query: p.query } : {}),
      ...(p.params ? { params: p.params } : {}),
    },
    responses: responses as never,
  });
}

function guide(): string {
  try {
    return fs.readFileSync(path.join(process.cwd(), "docs", "api-guide.md"), "utf8");
  } catch {
    return "Tollgate's OpenAI- and Anthropic-compatible API.";
  }
}

export function buildOpenApiDocument(opts: { serverUrl?: string } = {}): Record<string, unknown> {
  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer", description: "A Tollgate key (tg_live_…) as `Authorization: Bearer <key>` (OpenAI SDKs)" });
  registry.registerComponent("securitySchemes", "apiKeyHeader", { type: "apiKey", in: "header", name: "x-api-key", description: "The same key in x-api-key (Anthropic SDKs)" });
  for (const p of API_PATHS) register(registry, p);
  const doc = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: { title: "Tollgate API", version: "1", description: guide() },
    servers: [{ url: opts.serverUrl ?? "/", description: "This server" }],
    tags: [
      { name: "Model calls", description: "Billed calls, proxied to the provider" },
      { name: "Account", description: "Read-only views of the key's account" },
      { name: "Service", description: "Health and this document" },
    ],
  });
  return doc as unknown as Record<string, unknown>;
}

type G = typeof globalThis & { __tollgateOpenApi?: string };
const g = globalThis as G;

/** The document as JSON text, built once per process. */
export function openApiJson(): string {
  g.__tollgateOpenApi ??= JSON.stringify(buildOpenApiDocument());
  return g.__tollgateOpenApi;
}
