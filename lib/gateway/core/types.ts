// The gateway core's contract with its transports. Nothing here is HTTP-framework specific: an
// adapter (app/api/v1 route handlers through adapters/web.ts, the node:http fast lane through
// adapters/node.ts) turns its own request into a GatewayRequest and writes the GatewayResponse
// back. The core never sees a Web Request/Response or anything from Next.js.

/** Header names in lower case (node's IncomingHttpHeaders has exactly this shape). */
export type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

/** A request body: all of it, or chunks as they arrive (read lazily, size-limited by the core). */
export type BodySource = Uint8Array | AsyncIterable<Uint8Array> | null;

export interface GatewayRequest {
  method: string;
  /** Path and query string, e.g. "/api/v1/usage?days=7". */
  path: string;
  headers: HeaderBag;
  body: BodySource;
  /** The peer address of the connection (null when the transport does not know it). */
  clientAddress: string | null;
  /** Aborts when the client goes away before the response is complete. */
  signal: AbortSignal;
}

/**
 * What the adapter writes. `body` bytes go out with a Content-Length; an async iterable is written
 * chunk by chunk, pulled only as fast as the client reads. An adapter whose client hangs up calls
 * the iterator's return() (the stream then settles as an abort) — as does the request's signal.
 */
export interface GatewayResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | AsyncIterable<Uint8Array> | null;
}

/** A header's value; repeated headers are joined with ", " (as node and fetch do). */
export function header(headers: HeaderBag, name: string): string | null {
  const v = headers[name];
  if (v === undefined) return null;
  return Array.isArray(v) ? v.join(", ") : v;
}

const encoder = new TextEncoder();

export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): GatewayResponse {
  const bytes = encoder.encode(JSON.stringify(body));
  return { status, headers: { "Content-Type": "application/json", "Cache-Control": "no-store", ...headers }, body: bytes };
}
