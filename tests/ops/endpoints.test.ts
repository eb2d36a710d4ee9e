// Operability endpoints of the production build: /metrics, /livez, /readyz, the OpenAPI document
// and the reference page.
import SwaggerParser from "@apidevtools/swagger-parser";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, expect, it } from "vitest";
import { resetEnvCache } from "@/lib/env";
import { resetDraining, startDraining } from "@/lib/health";
import { metricsResponse } from "@/lib/metrics/http";
import { createTestDb, type TestDb } from "../helpers/db";
import { startApp, type TestApp } from "../helpers/app";

const TOKEN = "metrics-token-0123456789abcdef";
let t: TestDb;
let app: TestApp;
beforeAll(async () => {
  process.env.METRICS_TOKEN = TOKEN;
  resetEnvCache();
  t = await createTestDb();
  app = await startApp();
});
afterAll(async () => {
  resetDraining();
  await app?.close();
  await t?.dispose();
});

it("/metrics wants the bearer token and answers Prometheus text", async () => {
  expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
  expect((await fetch(`${app.url}/metrics`, { headers: { authorization: "Bearer wrong-token-0123456789" } })).status).toBe(401);
  const res = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/plain");
  const families = parsePrometheusTextFormat(await res.text());
  const names = families.map((f) => f.name);
  for (const n of ["tollgate_requests_total", "tollgate_request_duration_seconds", "tollgate_holds_pending", "tollgate_held_micros", "tollgate_job_runs_total", "tollgate_hold_batches_total", "tollgate_settle_batches_total", "tollgate_usage_events_written_total", "tollgate_usage_events_queued", "process_cpu_user_seconds_total"]) {
    expect(names).toContain(n);
  }
  const pending = families.find((f) => f.name === "tollgate_holds_pending")!;
  expect(pending.type).toBe("GAUGE");
  expect(pending.metrics[0].value).toBe("0");
});

it("/metrics is off when METRICS_TOKEN is unset", async () => {
  delete process.env.METRICS_TOKEN;
  resetEnvCache();
  try {
    const res = await metricsResponse(new Request("http://x/metrics", { headers: { authorization: `Bearer ${TOKEN}` } }));
    expect(res.status).toBe(404);
  } finally {
    process.env.METRICS_TOKEN = TOKEN;
    resetEnvCache();
  }
});

it("/livez answers; /readyz checks the database, the limiter store and migrations, and fails while draining", async () => {
  expect((await fetch(`${app.url}/livez`)).status).toBe(200);
  const ready = await fetch(`${app.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ status: "ready", db: "ok", rateLimitStore: "ok", migrations: "ok", draining: false });
  startDraining();
  try {
    const draining = await fetch(`${app.url}/readyz`);
    expect(draining.status).toBe(503);
    expect(await draining.json()).toMatchObject({ status: "draining", draining: true });
    expect((await fetch(`${app.url}/livez`)).status).toBe(200);
  } finally {
    resetDraining();
  }
});

it("serves a valid OpenAPI document at /api/v1/openapi.json", async () => {
  const res = await fetch(`${app.url}/api/v1/openapi.json`);
  expect(res.status).toBe(200);
  const doc = (await res.json()) as { openapi: string; info: { description: string } };
  expect(doc.openapi).toBe("3.1.0");
  expect(doc.info.description).toContain("## Retries");
  await expect(SwaggerParser.validate(doc as never)).resolves.toBeTruthy();
});

it("serves the reference page and its bundle from this origin under a strict CSP", async () => {
  const page = await fetch(`${app.url}/docs`);
  expect(page.status).toBe(200);
  const html = await page.text();
  // The console's proxy sets the CSP and its nonce (x-nonce); the page's scripts must carry it.
  const csp = page.headers.get("content-security-policy") ?? "";
  const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
  expect(nonce).toBeTruthy();
  expect(csp).not.toContain("unsafe-eval");
  expect(html).toContain(`<script src="/docs/scalar.js" nonce="${nonce}">`);
  expect(html).not.toMatch(/https?:\/\//);
  const bundle = await fetch(`${app.url}/docs/scalar.js`);
  expect(bundle.status).toBe(200);
  expect(bundle.headers.get("content-type")).toContain("javascript");
  expect((await bundle.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);
});
