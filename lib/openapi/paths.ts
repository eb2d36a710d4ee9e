// Every /api/v1 path, one entry each. Adding an endpoint to the reference is one entry here;
// lib/openapi/document.ts turns the list into OpenAPI 3.1 and a test checks that every route
// under app/api/v1 has an entry.
import { z } from "zod";
import type { Wire } from "@/lib/gateway/providers/wire";
import { chatRequestSchema, embeddingsRequestSchema, messagesRequestSchema, requestIdParamSchema } from "@/lib/gateway/schemas";
import { modelIdSchema } from "@/lib/models/schemas";
import { apiUsageQuerySchema, transactionsQuerySchema } from "@/lib/usage/schemas";
import { requestListQuerySchema } from "@/lib/usage/request-log";
import { creditsSchema, healthSchema, modelListSchema, modelSchema, passthroughSchema, requestListSchema, requestRecordSchema, transactionsSchema, usageSchema } from "./components";

export type ErrorStatus = 400 | 401 | 402 | 404 | 413 | 415 | 429 | 500 | 502 | 503 | 504;

export interface ApiPath {
  method: "get" | "post";
  path: string;
  tag: "Model calls" | "Account" | "Service";
  summary: string;
  description?: string;
  /** false: no API key needed. */
  auth: boolean;
  /** Error body dialect: /messages answers in Anthropic's shape. */
  errorFormat: Wire;
  body?: z.ZodType;
  query?: z.ZodObject;
  params?: z.ZodObject;
  success: { description: string; schema: z.ZodType; stream?: boolean; rateLimited?: boolean; credit?: boolean };
  errors: ErrorStatus[];
  /** Responses that are not the error body (the health check's 503, say). */
  other?: Record<number, { description: string; schema: z.ZodType }>;
}

const MODEL_CALL_ERRORS: ErrorStatus[] = [400, 401, 402, 404, 413, 415, 429, 500, 502, 503, 504];
const READ_ERRORS: ErrorStatus[] = [401, 429, 500];

const billed = (what: string) =>
  `${what}\n\nBefore the call, Tollgate places a credit hold for the most it can cost (prompt + max_tokens at the model's price); ` +
  "the real cost is settled when it ends and the rest of the hold is released. If max_tokens is absent and the balance cannot cover " +
  "the model's maximum, max_tokens is set to what it can cover (reported in X-Tollgate-Max-Tokens). Bring your own provider key " +
  "with X-Provider-Key to pay only the platform fee.";

export const API_PATHS: ApiPath[] = [
  {
    method: "post",
    path: "/api/v1/chat/completions",
    tag: "Model calls",
    summary: "Chat completion (OpenAI-compatible)",
    description: billed("OpenAI's Chat Completions API. Set stream: true for server-sent events; stream_options.include_usage adds the usage chunk."),
    auth: true,
    errorFormat: "openai",
    body: chatRequestSchema,
    success: { description: "The provider's chat completion, or an SSE stream", schema: passthroughSchema, stream: true, rateLimited: true, credit: true },
    errors: MODEL_CALL_ERRORS,
  },
  {
    method: "post",
    path: "/api/v1/messages",
    tag: "Model calls",
    summary: "Messages (Anthropic-compatible)",
    description: billed("Anthropic's Messages API; any model of the catalogue, whatever its provider. Errors use Anthropic's shape."),
    auth: true,
    errorFormat: "anthropic",
    body: messagesRequestSchema,
    success: { description: "The message, or an SSE stream of Anthropic events", schema: passthroughSchema, stream: true, rateLimited: true, credit: true },
    errors: MODEL_CALL_ERRORS,
  },
  {
    method: "post",
    path: "/api/v1/embeddings",
    tag: "Model calls",
    summary: "Embeddings (OpenAI-compatible)",
    description: billed("OpenAI's Embeddings API."),
    auth: true,
    errorFormat: "openai",
    body: embeddingsRequestSchema,
    success: { description: "The provider's embeddings", schema: passthroughSchema, rateLimited: true, credit: true },
    errors: MODEL_CALL_ERRORS,
  },
  {
    method: "get",
    path: "/api/v1/models",
    tag: "Account",
    summary: "Models served, with prices",
    description: "Models whose provider is configured (or reachable with your own key). With an anthropic-version header the list uses Anthropic's shape.",
    auth: true,
    errorFormat: "openai",
    success: { description: "The catalogue", schema: modelListSchema, rateLimited: true },
    errors: READ_ERRORS,
  },
  {
    method: "get",
    path: "/api/v1/models/{id}",
    tag: "Account",
    summary: "One model, with prices and lifecycle",
    description: "The target of a deprecated model's Link: rel=\"successor-version\" header.",
    auth: true,
    errorFormat: "openai",
    params: z.object({ id: modelIdSchema }),
    success: { description: "The model", schema: modelSchema, rateLimited: true },
    errors: [404, ...READ_ERRORS],
  },
  {
    method: "get",
    path: "/api/v1/credits",
    tag: "Account",
    summary: "Balance, held and available credit",
    auth: true,
    errorFormat: "openai",
    success: { description: "The account's credits", schema: creditsSchema, rateLimited: true, credit: true },
    errors: READ_ERRORS,
  },
  {
    method: "get",
    path: "/api/v1/usage",
    tag: "Account",
    summary: "Daily usage of the account",
    auth: true,
    errorFormat: "openai",
    query: apiUsageQuerySchema,
    success: { description: "One entry per UTC day, oldest first, and totals; with group_by, each day's rows per model or per key", schema: usageSchema, rateLimited: true },
    errors: [400, ...READ_ERRORS],
  },
  {
    method: "get",
    path: "/api/v1/credits/transactions",
    tag: "Account",
    summary: "Ledger entries of the account, newest first",
    description: "Page with limit (≤ 200) and offset; pass back the first page's as_of so entries written meanwhile cannot shift later pages.",
    auth: true,
    errorFormat: "openai",
    query: transactionsQuerySchema,
    success: { description: "A page of entries", schema: transactionsSchema, rateLimited: true },
    errors: [400, ...READ_ERRORS],
  },
  {
    method: "get",
    path: "/api/v1/requests",
    tag: "Account",
    summary: "Every request of the account, newest first",
    description:
      "Every authenticated request — model calls, read-only calls and refusals (400, 402, 404, 413, 429, ...) — with the fields of /requests/{id}. Page with limit (≤ 200) and the next_cursor of the previous page; filter by client_request_id, status (an HTTP status, success or error), endpoint or model.",
    auth: true,
    errorFormat: "openai",
    query: requestListQuerySchema,
    success: { description: "A page of requests", schema: requestListSchema, rateLimited: true },
    errors: [400, ...READ_ERRORS],
  },
  {
    method: "get",
    path: "/api/v1/requests/{id}",
    tag: "Account",
    summary: "One call's metadata and cost",
    description: "The X-Request-Id of any call made with a key of this account.",
    auth: true,
    errorFormat: "openai",
    params: z.object({ id: requestIdParamSchema }),
    success: { description: "The request record", schema: requestRecordSchema, rateLimited: true },
    errors: [404, ...READ_ERRORS],
  },
  {
    method: "get",
    path: "/api/v1/health",
    tag: "Service",
    summary: "Database and rate-limit store health",
    description: "503 with status 'degraded' when either is unreachable. For orchestrators prefer /livez and /readyz.",
    auth: false,
    errorFormat: "openai",
    success: { description: "Both reachable", schema: healthSchema },
    errors: [],
    other: { 503: { description: "The database or the rate-limit store is unreachable", schema: healthSchema } },
  },
  {
    method: "get",
    path: "/api/v1/openapi.json",
    tag: "Service",
    summary: "This document",
    auth: false,
    errorFormat: "openai",
    success: { description: "OpenAPI 3.1", schema: z.looseObject({ openapi: z.string() }) },
    errors: [],
  },
];
