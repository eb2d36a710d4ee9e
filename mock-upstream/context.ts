// Per-request context handed to the provider handlers.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FaultCounter } from "./tokens";

/** Metadata the mock keeps about each request (never message content), for gateway tests. */
export interface MockRequestRecord {
  seq: number;
  at: string;
  method: string;
  path: string;
  /** Raw `Authorization` header, e.g. "Bearer sk-…" (lets a BYOK test see which key was forwarded). */
  authorization: string | null;
  /** Raw `x-api-key` header. */
  apiKey: string | null;
  anthropicVersion: string | null;
  model: string | null;
  stream: boolean | null;
  /** max_tokens / max_completion_tokens as received (shows what the gateway clamped to). */
  maxTokens: number | null;
  /** OpenAI stream_options.include_usage (the gateway must force it on). */
  includeUsage: boolean | null;
}

export type RecordFields = Pick<MockRequestRecord, "model" | "stream" | "maxTokens" | "includeUsage">;

export interface HandlerCtx {
  req: IncomingMessage;
  res: ServerResponse;
  body: Record<string, unknown>;
  /** Aborts when the client disconnects (or the server is closed). */
  signal: AbortSignal;
  faults: FaultCounter;
  nextId(prefix: string): string;
  record(fields: RecordFields): void;
}
