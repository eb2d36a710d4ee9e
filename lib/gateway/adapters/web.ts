// The App Router adapter: Web Request → gateway core → Web Response. It serves /api/v1 wherever
// the app runs as a plain Next.js app (`next start`, serverless hosts, TOLLGATE_FAST_LANE=off).
import type { Gateway } from "../core/gateway";
import type { GatewayResponse, HeaderBag } from "../core/types";
import { defaultGateway } from "../routes";

function headersOf(h: Headers): HeaderBag {
  const out: Record<string, string> = {};
  h.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

async function* chunksOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Stopped early (oversized body): the rest is not read.
    reader.cancel().catch(() => undefined);
  }
}

/** A pull-driven ReadableStream over the core's body iterator; a cancelled stream returns it. */
function streamOf(body: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const it = body[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const r = await it.next();
          if (r.done) controller.close();
          else controller.enqueue(r.value);
        } catch (e) {
          controller.error(e);
        }
      },
      async cancel() {
        await it.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

export function toWebResponse(res: GatewayResponse): Response {
  const body = res.body === null ? null : res.body instanceof Uint8Array ? (res.body as Uint8Array<ArrayBuffer>) : streamOf(res.body);
  return new Response(body, { status: res.status, headers: res.headers });
}

export async function handleWebRequest(gateway: Gateway, req: Request): Promise<Response> {
  const url = new URL(req.url);
  const res = await gateway.handle({
    method: req.method,
    path: url.pathname + url.search,
    headers: headersOf(req.headers),
    body: req.body ? chunksOf(req.body) : null,
    // Next.js puts the peer address into X-Forwarded-For when the header is absent.
    clientAddress: null,
    signal: req.signal,
  });
  return toWebResponse(res);
}

const handler = (req: Request): Promise<Response> => handleWebRequest(defaultGateway(), req);

/** Every method of an app/api/v1 route file: the core routes by path and method itself. */
export const appRouteHandlers = { GET: handler, POST: handler, PUT: handler, PATCH: handler, DELETE: handler, OPTIONS: handler };
