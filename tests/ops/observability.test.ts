// Logs, metrics and traces of real API calls through the server `npm start` runs: one JSON log
// line per request carrying its request id and charge, /metrics parsed after the calls, and the
// stage spans exported over OTLP.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { eq } from "drizzle-orm";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, expect, it } from "vitest";
import { requests } from "@/db/schema";
import { resetEnvCache } from "@/lib/env";
import { createLogger, setLogger } from "@/lib/log";
import { installObservability } from "@/lib/observability";
import { initTracing, shutdownTracing } from "@/lib/tracing";
import { fundedAccount, getJson, newKey, postJson, RELAXED_TIMEOUTS, settled, startGateway, type Gateway } from "../gateway/helpers";

const TOKEN = "observability-token-0123456789";
const lines: Record<string, unknown>[] = [];
const spans: string[] = [];
let sink: http.Server;
let gw: Gateway;

beforeAll(async () => {
  const out = new PassThrough();
  out.on("data", (b: Buffer) => {
    for (const l of b.toString("utf8").split("\n").filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
  });
  setLogger(createLogger({ format: "json", level: "info", destination: out }));
  sink = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      spans.push(body);
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((r) => sink.listen(0, "127.0.0.1", r));
  await initTracing({ endpoint: `http://127.0.0.1:${(sink.address() as AddressInfo).port}`, processor: "simple" });
  process.env.METRICS_TOKEN = TOKEN;
  resetEnvCache();
  installObservability();
  gw = await startGateway(RELAXED_TIMEOUTS);
});
afterAll(async () => {
  await gw?.close();
  await shutdownTracing();
  setLogger(undefined);
  await new Promise<void>((r) => sink.close(() => r()));
});

async function scrape() {
  const res = await fetch(`${gw.app.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  const text = await res.text();
  return Object.assign(parsePrometheusTextFormat(text), { text });
}

/** A labelled histogram's _count, read from the text (the parser drops histogram labels). */
function histogramCount(text: string, name: string, labels: Record<string, string>): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name}_count{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

const value = (families: ReturnType<typeof parsePrometheusTextFormat>, name: string, labels: Record<string, string> = {}) =>
  families
    .find((f) => f.name === name)
    ?.metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    .reduce((sum, m) => sum + Number(m.value ?? m.count ?? 0), 0) ?? 0;

it("counts, times and logs every call, with its charge", { timeout: 60_000 }, async () => {
  const before = await scrape();
  const { accountId } = await fundedAccount(gw.t);
  const { id: keyId, key } = await newKey(gw.t, accountId);
  const poor = await fundedAccount(gw.t, { micros: 0n });
  const { key: poorKey } = await newKey(gw.t, poor.accountId);
  const body = { model: "mock-small", max_tokens: 16, messages: [{ role: "user", content: "observe me #tokens=5" }] };

  const ok = await Promise.all([1, 2, 3].map(() => postJson(`${gw.base}/chat/completions`, key, body)));
  expect(ok.map((r) => r.status)).toEqual([200, 200, 200]);
  const broke = await postJson(`${gw.base}/chat/completions`, poorKey, body);
  expect(broke.status).toBe(402);
  expect((await getJson(`${gw.base}/credits`, key)).status).toBe(200);
  await settled();

  const after = await scrape();
  const delta = (name: string, labels: Record<string, string> = {}) => value(after, name, labels) - value(before, name, labels);
  expect(delta("tollgate_requests_total", { route: "chat.completions", status: "200", model: "mock-small" })).toBe(3);
  expect(delta("tollgate_requests_total", { route: "chat.completions", status: "402" })).toBe(1);
  expect(delta("tollgate_requests_total", { route: "credits", status: "200" })).toBe(1);
  expect(delta("tollgate_payment_required_total")).toBe(1);
  const hist = (name: string, labels: Record<string, string>) => histogramCount(after.text, name, labels) - histogramCount(before.text, name, labels);
  expect(hist("tollgate_upstream_duration_seconds", { provider: "mock", outcome: "ok" })).toBe(3);
  expect(hist("tollgate_request_duration_seconds", { route: "chat.completions" })).toBe(4);
  const rows = await gw.t.db.select().from(requests).where(eq(requests.accountId, accountId));
  const charged = rows.reduce((s, r) => s + r.costMicros, 0n);
  expect(charged).toBeGreaterThan(0n);
  expect(delta("tollgate_charged_micros_total", { model: "mock-small" })).toBe(Number(charged));

  // One JSON line per request, joined to the call by its request id.
  for (const res of ok) {
    const requestId = res.headers.get("x-request-id")!;
    const mine = lines.filter((l) => l.requestId === requestId && l.msg === "api request");
    expect(mine).toHaveLength(1);
    const row = rows.find((r) => r.id === requestId)!;
    expect(mine[0]).toMatchObject({ level: 30, component: "api", accountId, keyId, route: "chat.completions", status: 200, model: "mock-small", chargeMicros: row.costMicros.toString() });
    expect(typeof mine[0].latencyMs).toBe("number");
  }
  const refused = lines.filter((l) => l.requestId === broke.headers.get("x-request-id"));
  expect(refused).toEqual([expect.objectContaining({ status: 402, chargeMicros: "0", accountId: poor.accountId })]);

  // Spans for each stage, with the request and account ids.
  await shutdownTracing();
  const exported = spans.join("\n");
  const rid = ok[0].headers.get("x-request-id")!;
  for (const s of ["tollgate.admission", "tollgate.hold", "tollgate.upstream", "tollgate.settlement", rid, accountId]) expect(exported).toContain(s);
  expect(exported).not.toContain("observe me"); // never the content
});
