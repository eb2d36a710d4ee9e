// The Stripe webhook route reads its body with a running cap: a chunked body (no Content-Length)
// over 1 MiB is refused with 413 as soon as the cap is passed, never buffered whole.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST } from "@/app/api/stripe/webhook/route";
import { resetEnvCache } from "@/lib/env";
import { MAX_WEBHOOK_BYTES } from "@/lib/billing/webhook";
import { createTestDb, type TestDb } from "../helpers/db";
import { WEBHOOK_SECRET } from "./helpers/fixtures";

const MiB = 1024 * 1024;
let t: TestDb;
let server: http.Server;
let url: string;
let consumed = 0;

beforeAll(async () => {
  Object.assign(process.env, { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_SECRET_KEY: "sk_test_webhook_body" });
  resetEnvCache();
  t = await createTestDb();
  // The route handler behind a plain Node server, the way Next hands it a streamed request body.
  server = http.createServer((req, res) => {
    void (async () => {
      const counted = Readable.from(
        (async function* () {
          for await (const chunk of req) {
            consumed += (chunk as Buffer).byteLength;
            yield chunk as Buffer;
          }
        })(),
      );
      const request = new Request(`http://127.0.0.1${req.url}`, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: Readable.toWeb(counted) as ReadableStream<Uint8Array>,
        duplex: "half",
      } as RequestInit);
      const response = await POST(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    })();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/stripe/webhook`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await t?.dispose();
});

/** A body pulled chunk by chunk; counts what the reader took. */
function countingStream(total: number, chunk = 64 * 1024): { stream: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let pulled = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= total) return controller.close();
      const n = Math.min(chunk, total - pulled);
      pulled += n;
      controller.enqueue(new Uint8Array(n).fill(0x20));
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, pulled: () => pulled, cancelled: () => cancelled };
}

describe("webhook body cap", () => {
  it("a 2 MiB chunked body is refused with 413 after reading just over 1 MiB, and the stream is cancelled", async () => {
    const body = countingStream(2 * MiB);
    const payload = "{}";
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
    const res = await POST(new Request("http://localhost/api/stripe/webhook", { method: "POST", headers: { "stripe-signature": signature }, body: body.stream, duplex: "half" } as RequestInit));
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: "payload too large" });
    expect(body.pulled()).toBeGreaterThan(MAX_WEBHOOK_BYTES);
    expect(body.pulled()).toBeLessThanOrEqual(MAX_WEBHOOK_BYTES + 2 * 64 * 1024);
    expect(body.cancelled()).toBe(true);
  });

  it("over HTTP: a 2 MiB chunked upload (no Content-Length) gets 413 before the server has read it all", async () => {
    consumed = 0;
    const payload = JSON.stringify({ id: "evt_big", type: "checkout.session.completed", data: { object: { pad: "x".repeat(2 * MiB) } } });
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(url, { method: "POST", headers: { "content-type": "application/json", "stripe-signature": signature, "transfer-encoding": "chunked" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", (e: NodeJS.ErrnoException) => (e.code === "EPIPE" || e.code === "ECONNRESET" ? undefined : reject(e)));
      const buf = Buffer.from(payload);
      let at = 0;
      // Slow, chunked writes: the answer must come while the client is still sending.
      const writeNext = () => {
        if (at >= buf.length) return req.end();
        const next = buf.subarray(at, at + 32 * 1024);
        at += next.length;
        if (req.write(next)) setImmediate(writeNext);
        else req.once("drain", writeNext);
      };
      writeNext();
    });
    expect(status).toBe(413);
    expect(consumed).toBeGreaterThan(MAX_WEBHOOK_BYTES);
    expect(consumed).toBeLessThan(2 * MiB);
  });

  it("a body within the cap still reaches signature verification (bad signature → 400, not 413)", async () => {
    const payload = JSON.stringify({ id: "evt_small", type: "checkout.session.completed", data: { object: {} }, pad: "y".repeat(MAX_WEBHOOK_BYTES - 200) });
    const body = countingStream(Buffer.byteLength(payload));
    const res = await POST(new Request("http://localhost/api/stripe/webhook", { method: "POST", headers: { "stripe-signature": "t=1,v1=deadbeef" }, body: body.stream, duplex: "half" } as RequestInit));
    expect(res.status).toBe(400);
    expect(body.cancelled()).toBe(false);
  });
});
