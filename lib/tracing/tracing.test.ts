import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { resetEnvCache } from "../env";
import { initTracing, shutdownTracing, startRequestSpan, tracingEnabled } from "./index";

let server: http.Server;
let url: string;
const received: { path: string; body: string; type: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      received.push({ path: req.url ?? "", body, type: String(req.headers["content-type"]) });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await shutdownTracing();
  await new Promise<void>((r) => server.close(() => r()));
});

it("is off, and costs nothing, without an endpoint", async () => {
  const saved = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  resetEnvCache(); // initTracing reads the endpoint through the cached, validated environment
  expect(await initTracing()).toBe(false);
  expect(tracingEnabled()).toBe(false);
  const span = startRequestSpan("x", {});
  span.child("y").end();
  span.end();
  if (saved !== undefined) process.env.OTEL_EXPORTER_OTLP_ENDPOINT = saved;
  resetEnvCache();
});

it("exports request spans with their children over OTLP/HTTP", async () => {
  expect(await initTracing({ endpoint: url, processor: "simple", serviceName: "tollgate-test" })).toBe(true);
  const t0 = performance.now();
  const root = startRequestSpan("POST /api/v1/chat/completions", { "tollgate.request_id": "req_trace_1", "tollgate.account_id": "acct_1" }, t0);
  root.child("tollgate.admission", undefined, t0).end(t0 + 1);
  const up = root.child("tollgate.upstream", { "tollgate.provider": "mock" });
  up.fail("UPSTREAM_TIMEOUT");
  up.end();
  root.end();
  await shutdownTracing(); // flushes
  const traces = received.filter((r) => r.path === "/v1/traces");
  expect(traces.length).toBeGreaterThan(0);
  const all = traces.map((r) => r.body).join("\n");
  for (const s of ["POST /api/v1/chat/completions", "tollgate.admission", "tollgate.upstream", "req_trace_1", "acct_1", "tollgate-test", "UPSTREAM_TIMEOUT"]) expect(all).toContain(s);
});
