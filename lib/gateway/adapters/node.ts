// The node:http adapter (the fast lane): IncomingMessage → gateway core → ServerResponse, with no
// framework in between. Backpressure: a streamed body is pulled from the core only as fast as the
// socket drains. A client that hangs up — at any stage — aborts the request's signal and ends
// the body iterator; nothing is thrown at the process.
import type { IncomingMessage, ServerResponse } from "node:http";
import { once } from "node:events";
import { env } from "@/lib/env";
import type { Gateway } from "../core/gateway";
import type { GatewayResponse } from "../core/types";
import { defaultGateway } from "../routes";
import { errFields, log } from "@/lib/log";

/** The request body; stopping early (an oversized upload) must not destroy the socket the 413 goes out on. */
function bodyOf(req: IncomingMessage): AsyncIterable<Uint8Array> | null {
  if (req.method === "GET" || req.method === "HEAD") return null;
  return { [Symbol.asyncIterator]: () => req.iterator({ destroyOnReturn: false }) as AsyncIterator<Uint8Array> };
}

async function writeStream(res: ServerResponse, body: AsyncIterable<Uint8Array>, closed: () => boolean): Promise<void> {
  const it = body[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      if (closed()) break;
      const r = await it.next();
      if (r.done) {
        finished = true;
        break;
      }
      if (closed()) break;
      if (!res.write(r.value)) {
        // Wait for the socket to drain — or for the client to go away. A client that stops
        // reading for STREAM_STALL_SECONDS loses the connection (the core has ended its call by
        // then: stream-guard.ts); its socket must not stay open for ever either.
        let timer: ReturnType<typeof setTimeout> | undefined;
        const stalled = new Promise<"stalled">((r) => (timer = setTimeout(() => r("stalled"), env().STREAM_STALL_SECONDS * 1000 + 1000)));
        const woke = await Promise.race([once(res, "drain"), once(res, "close"), stalled]).finally(() => clearTimeout(timer));
        if (woke === "stalled") {
          res.destroy();
          break;
        }
      }
    }
  } catch {
    // the core's iterator settles its own call; a failure here only ends the response
  } finally {
    if (!finished) await it.return?.().catch(() => undefined);
  }
  if (!closed()) res.end();
}

export async function writeGatewayResponse(res: ServerResponse, out: GatewayResponse, closed: () => boolean): Promise<void> {
  if (closed()) {
    if (out.body && !(out.body instanceof Uint8Array)) await out.body[Symbol.asyncIterator]().return?.();
    return;
  }
  res.writeHead(out.status, out.headers);
  if (out.body === null || out.body instanceof Uint8Array) {
    res.end(out.body ?? undefined);
    return;
  }
  await writeStream(res, out.body, closed);
}

export function nodeHandler(gateway: Gateway = defaultGateway()): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    const abort = new AbortController();
    let closed = false;
    res.on("close", () => {
      closed = true;
      if (!res.writableFinished) abort.abort();
    });
    // A reset connection emits errors on both; they mean "the client left", which `close` handles.
    req.on("error", () => undefined);
    res.on("error", () => undefined);
    try {
      const out = await gateway.handle({
        method: req.method ?? "GET",
        path: req.url ?? "/",
        headers: req.headers,
        body: bodyOf(req),
        clientAddress: req.socket.remoteAddress ?? null,
        signal: abort.signal,
      });
      await writeGatewayResponse(res, out, () => closed);
    } catch (e) {
      // The core maps every error to a response; reaching here is a bug in this adapter.
      log("gateway").error(errFields(e), "fast lane adapter failed");
      if (!res.headersSent && !closed) {
        res.writeHead(500, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ error: { message: "Internal error.", type: "api_error", code: "INTERNAL_ERROR" } }));
      } else res.destroy();
    }
  };
}
