// Deterministic mock LLM upstream (SPEC §4): OpenAI- and Anthropic-compatible endpoints on node:http.
// Tests start it on port 0; `npm run mock-upstream` runs it as its own process (mock-upstream/main.ts).
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { anthropicError, listModelsAnthropic, messages } from "./anthropic";
import type { HandlerCtx, MockRequestRecord, RecordFields } from "./context";
import { BodyTooLarge, clientGone, isRecord, readBody, sendJson } from "./http";
import { chatCompletions, embeddings, listModels, MOCK_MODEL_IDS, openaiError } from "./openai";
import { FaultCounter } from "./tokens";

export type { MockRequestRecord } from "./context";

export interface MockUpstreamOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
}

export interface MockUpstream {
  url: string;
  port: number;
  close(): Promise<void>;
}

type Provider = "openai" | "anthropic";
type Handler = (ctx: HandlerCtx) => Promise<void>;

const POST_ROUTES: Record<string, { provider: Provider; handler: Handler }> = {
  "/v1/chat/completions": { provider: "openai", handler: chatCompletions },
  "/v1/embeddings": { provider: "openai", handler: embeddings },
  "/v1/messages": { provider: "anthropic", handler: messages },
};

const HISTORY_LIMIT = 500;

function providerError(provider: Provider, res: ServerResponse, status: number, kind: string, message: string): void {
  if (provider === "anthropic") return anthropicError(res, status, kind, message);
  const type = kind === "authentication_error" ? "invalid_request_error" : kind;
  const code = status === 401 ? "invalid_api_key" : null;
  openaiError(res, status, message, type, code);
}

function hasCredential(req: IncomingMessage): boolean {
  const auth = req.headers.authorization;
  if (typeof auth === "string" && /^Bearer\s+\S+/i.test(auth)) return true;
  const key = req.headers["x-api-key"];
  return typeof key === "string" && key.trim() !== "";
}

function header(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  return typeof v === "string" ? v : Array.isArray(v) ? v.join(", ") : null;
}

export async function startMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const host = options.host ?? "127.0.0.1";
  const faults = new FaultCounter();
  const history: MockRequestRecord[] = [];
  let seq = 0;
  let idCounter = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    const method = req.method ?? "GET";

    if (path === "/__last-request" && method === "GET") {
      const last = history[history.length - 1];
      return last ? sendJson(res, 200, last) : sendJson(res, 404, { error: { message: "no request recorded yet" } });
    }
    if (path === "/__requests") {
      if (method === "DELETE") {
        history.length = 0;
        return sendJson(res, 200, { ok: true });
      }
      return sendJson(res, 200, { count: seq, requests: history });
    }
    if (path === "/health" && method === "GET") return sendJson(res, 200, { status: "ok" });

    if (path === "/v1/models" && method === "GET") {
      const anthropic = header(req, "anthropic-version") !== null;
      if (!hasCredential(req)) return providerError(anthropic ? "anthropic" : "openai", res, 401, "authentication_error", "missing API key");
      return anthropic ? listModelsAnthropic(res, MOCK_MODEL_IDS) : listModels(res);
    }

    const route = POST_ROUTES[path];
    if (!route) return providerError(path.startsWith("/v1/messages") ? "anthropic" : "openai", res, 404, "not_found_error", `Unknown path ${path}`);
    if (method !== "POST") return providerError(route.provider, res, 405, "invalid_request_error", `Method ${method} not allowed on ${path}`);
    if (!hasCredential(req)) {
      const msg = route.provider === "anthropic" ? "x-api-key header is required" : "You didn't provide an API key (Authorization: Bearer <key>).";
      return providerError(route.provider, res, 401, "authentication_error", msg);
    }

    let body: Record<string, unknown>;
    try {
      const raw = await readBody(req);
      const parsed: unknown = JSON.parse(raw.toString("utf8"));
      if (!isRecord(parsed)) return providerError(route.provider, res, 400, "invalid_request_error", "request body must be a JSON object");
      body = parsed;
    } catch (e) {
      if (e instanceof BodyTooLarge) return providerError(route.provider, res, 413, "request_too_large", "request body too large");
      return providerError(route.provider, res, 400, "invalid_request_error", "could not parse the JSON body of your request");
    }

    const ctx: HandlerCtx = {
      req,
      res,
      body,
      signal: clientGone(res),
      faults,
      nextId: (prefix) => `${prefix}-${(++idCounter).toString().padStart(6, "0")}`,
      record: (fields: RecordFields) => {
        seq += 1;
        history.push({
          seq,
          at: new Date().toISOString(),
          method,
          path,
          authorization: header(req, "authorization"),
          apiKey: header(req, "x-api-key"),
          anthropicVersion: header(req, "anthropic-version"),
          ...fields,
        });
        if (history.length > HISTORY_LIMIT) history.splice(0, history.length - HISTORY_LIMIT);
      },
    };
    await route.handler(ctx);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error("[mock-upstream] handler error:", err);
      if (!res.headersSent) sendJson(res, 500, { error: { message: "mock upstream internal error", type: "server_error" } });
      else res.destroy();
    });
  });
  // Longer than any client pool's idle timeout, so a reused keep-alive socket is never closed under a request.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Hanging (#fault=hang) and keep-alive sockets would otherwise hold close() open forever.
        server.closeAllConnections();
      }),
  };
}
