// The benchmark's own machinery: percentiles, the load generator against the real mock upstream
// (errors must never count as throughput) and the target verdicts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockUpstream, type MockUpstream } from "@/mock-upstream/server";
import { mergeRuns, percentile, runLoad, summarize, type PhaseResult } from "./loadgen";
import { pgParser, redisParser } from "./counting-proxy";
import { evaluateContext, evaluateTargets, pairedRoundCosts } from "./report";

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(async () => {
  await mock.close();
});

const chat = (content: string) => ({
  url: `${mock.url}/v1/chat/completions`,
  method: "POST" as const,
  headers: { authorization: "Bearer k", "content-type": "application/json" },
  body: JSON.stringify({ model: "mock-small", messages: [{ role: "user", content }] }),
});

describe("stats", () => {
  it("nearest-rank percentiles", () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(v, 50)).toBe(50);
    expect(percentile(v, 99)).toBe(99);
    expect(percentile(v, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(summarize([3, 1, 2])).toMatchObject({ p50: 2, max: 3, mean: 2 });
  });
});

describe("merging slices of a phase", () => {
  it("pools the samples and divides by the summed measured time", () => {
    const run = (ms: number[], measuredMs: number, sent: number) => ({
      result: { concurrency: 2, durationS: measuredMs / 1000, requests: ms.length, sent, errors: 0, errorSamples: [], rps: 0, latencyMs: summarize(ms), ttfbMs: summarize(ms) },
      samples: ms.map((v) => ({ totalMs: v, ttfbMs: v / 2 })),
      measuredMs,
    });
    const merged = mergeRuns([run([1, 2, 3], 1000, 4), run([10, 20], 1000, 2)]);
    expect(merged).toMatchObject({ requests: 5, sent: 6, rps: 2.5, durationS: 2, sliceRps: [3, 2] });
    expect(merged.latencyMs.p50).toBe(3);
    expect(merged.ttfbMs.max).toBe(10);
  });
});

describe("usage-event cost, round by round", () => {
  it("compares each round's two slices with events against its two without", () => {
    // Round 1: 1 − 180/200; round 2: 1 − 190/200.
    expect(pairedRoundCosts([90, 90, 100, 90], [100, 100, 100, 100]).map((c) => Math.round(c * 1000) / 1000)).toEqual([0.1, 0.05]);
    expect(pairedRoundCosts([90, 90, 100], [100, 100, 100])).toEqual([]);
    expect(pairedRoundCosts([90, 90], [100])).toEqual([]);
  });

  it("reports the median round, and the whole-phase ratio in the note", () => {
    const phase = (rps: number, sliceRps: number[]): PhaseResult => ({ concurrency: 32, durationS: 6, requests: 1, sent: 1, errors: 0, errorSamples: [], rps, sliceRps, latencyMs: summarize([1]), ttfbMs: summarize([1]) });
    const targets = evaluateTargets(
      { "tollgate.models.c32": phase(880, [1000, 1000, 500, 500, 960, 960]), "tollgate.models.c32.no-events": phase(1000, [1000, 1000, 1000, 1000, 1000, 1000]) },
      undefined,
    );
    const t = targets.find((x) => x.id === "usage_events_throughput_cost_c32")!;
    expect(t.value).toBe(0.04);
    expect(t.pass).toBe(true);
    expect(t.note).toContain("whole phases: 0.12");
  });
});

describe("load generator", () => {
  it("measures successful requests over keep-alive connections", async () => {
    const r = await runLoad({ ...chat("hi #tokens=2"), validate: (_, b) => (b.includes('"completion_tokens":2') ? null : "bad") }, { concurrency: 4, durationMs: 300, warmupMs: 50 });
    expect(r.errors).toBe(0);
    expect(r.requests).toBeGreaterThan(20);
    expect(r.rps).toBeGreaterThan(0);
    expect(r.latencyMs.p50).toBeGreaterThan(0);
    expect(r.latencyMs.p99).toBeGreaterThanOrEqual(r.latencyMs.p50);
  });

  it("counts non-200 and invalid bodies as errors, not throughput", async () => {
    const failing = await runLoad(chat("#fault=500"), { concurrency: 2, durationMs: 200, warmupMs: 0 });
    expect(failing.requests).toBe(0);
    expect(failing.errors).toBeGreaterThan(0);
    expect(failing.errorSamples[0]).toContain("HTTP 500");
    const invalid = await runLoad({ ...chat("#tokens=1"), validate: () => "wrong body" }, { concurrency: 2, durationMs: 200, warmupMs: 0 });
    expect(invalid.requests).toBe(0);
    expect(invalid.errorSamples[0]).toBe("wrong body");
  });
});

describe("targets", () => {
  const phase = (p50: number, rps: number, errors = 0): PhaseResult => ({
    concurrency: 1,
    durationS: 1,
    requests: 100,
    sent: 100,
    errors,
    errorSamples: [],
    rps,
    latencyMs: { p50, p90: p50, p99: p50, max: p50, mean: p50 },
    ttfbMs: { p50, p90: p50, p99: p50, max: p50, mean: p50 },
  });
  const holds = (holdsPerSec: number) => ({
    accounts: 1,
    callers: 32,
    durationS: 1,
    placed: 1,
    failed: 0,
    failureSamples: [],
    holdsPerSec,
    latencyMs: summarize([1]),
    released: 1,
    releasesPerSec: 1,
    releaseLatencyMs: summarize([1]),
    ledgerViolations: 0,
  });

  const soak = (mbs: number[]) => ({ seconds: 120, concurrency: 32, rps: 1000, errors: 0, rssMb: mbs.map((mb, i): [number, number] => [i * 5, mb]) });

  it("passes and fails on the documented thresholds", () => {
    const ok = evaluateTargets(
      { "direct.chat.c1": phase(1, 1), "tollgate.chat.c1": phase(2.5, 1), "portkey.chat.c32": phase(1, 1000), "tollgate.chat.c32": phase(15, 1500), "tollgate.models.c32": phase(1, 1900), "tollgate.models.c32.no-events": phase(1, 2000) },
      holds(5000),
      { soak: soak([200, 210, 220, 225, 222, 226]), uncaughtInServerLog: 0 },
    );
    expect(ok.map((t) => [t.id, t.pass])).toEqual([
      ["throughput_c32_vs_portkey", true],
      ["added_p50_c1", true],
      ["p99_c32", true],
      ["holds_per_sec_hot_account", true],
      ["rss_after_soak", true],
      ["no_uncaught_exceptions", true],
      ["usage_events_throughput_cost_c32", true],
      ["tollgate_error_free", true],
    ]);
    const bad = evaluateTargets(
      { "direct.chat.c1": phase(1, 1), "tollgate.chat.c1": phase(2.6, 1), "portkey.chat.c32": phase(1, 1000), "tollgate.chat.c32": phase(15.1, 1499, 3), "tollgate.models.c32": phase(1, 1890), "tollgate.models.c32.no-events": phase(1, 2000) },
      holds(4999),
      { soak: soak([200, 220, 240, 260, 280, 299]), uncaughtInServerLog: 1 },
    );
    expect(bad.every((t) => !t.pass)).toBe(true);
    const skipped = evaluateTargets({ "tollgate.chat.c1": { skipped: "404" } }, { skipped: "x" });
    expect(skipped.every((t) => !t.pass && t.value === null)).toBe(true);
  });

  it("reports the route-handler path and the Next.js floor as INFO", () => {
    const models = { ...phase(1, 2000), cpuMsPerRequest: { server: 0.4, postgres: 0.05, redis: 0.05, loadgen: 0.2 } };
    const ctx = evaluateContext({ "portkey.chat.c32": phase(1, 1000), "routes.chat.c32": phase(1, 500), "direct.chat.c1": phase(1, 1), "routes.chat.c1": phase(3, 1), "noop.c32": phase(1, 1000), "tollgate.chat.c32": phase(1, 1500), "tollgate.models.c32": models });
    expect(ctx.map((c) => [c.id, c.value])).toEqual([
      ["route_handlers_c32_vs_portkey", 0.5],
      ["route_handlers_added_p50_c1", 2],
      // the database's 0.05 of 0.7 CPU ms per request
      ["usage_events_share_models_c32", 0.071],
      ["fast_lane_c32_vs_next_noop", 1.5],
    ]);
    // Background database work seen in the no-op phase (10 ms/s) is not charged to the events.
    const noop = { ...phase(1, 1000), cpuMsPerRequest: { server: 1, postgres: 0.01 } };
    const share = evaluateContext({ "tollgate.models.c32": models, "noop.c32": noop }).find((c) => c.id === "usage_events_share_models_c32");
    expect(share?.value).toBe(0.064); // (0.05 − 10/2000) of 0.7
    expect(evaluateContext({}).every((c) => c.value === null)).toBe(true);
  });
});

describe("round-trip counting proxies", () => {
  const pgMsg = (type: string, payload = Buffer.alloc(3)) => {
    const b = Buffer.alloc(5 + payload.length);
    b.write(type, 0);
    b.writeInt32BE(4 + payload.length, 1);
    payload.copy(b, 5);
    return b;
  };

  it("counts PostgreSQL Sync/Query messages across arbitrary chunking", () => {
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8, 0);
    startup.writeInt32BE(196608, 4);
    const stream = Buffer.concat([startup, pgMsg("P"), pgMsg("B"), pgMsg("E"), pgMsg("S"), pgMsg("Q", Buffer.from("BEGIN\0")), pgMsg("S")]);
    for (const step of [1, 3, 7, stream.length]) {
      const counts = { roundTrips: 0, messages: 0, connections: 0 };
      const parse = pgParser();
      for (let i = 0; i < stream.length; i += step) parse(stream.subarray(i, i + step), counts);
      expect(counts.messages).toBe(6);
      expect(counts.roundTrips).toBe(3);
    }
  });

  it("counts Redis commands, even with '*' and CRLF inside values", () => {
    const cmd = (...parts: string[]) => `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join("")}`;
    const stream = Buffer.from(cmd("EVALSHA", "abc", "1", "k*\r\n*2", "x") + cmd("ZREM", "cc", "req_1") + "PING\r\n");
    const counts = { roundTrips: 0, messages: 0, connections: 0 };
    const parse = redisParser();
    for (let i = 0; i < stream.length; i += 5) parse(stream.subarray(i, i + 5), counts);
    expect(counts.messages).toBe(3);
  });
});

describe("autovacuum stand-in", () => {
  it("runs only where the server does not autovacuum, and a pass completes", async () => {
    const { startVacuumStandIn } = await import("./vacuum");
    expect((await startVacuumStandIn(undefined, () => undefined)).note).toBeNull(); // PGlite
    const url = process.env.DATABASE_URL;
    if (!url) return;
    const { createTestDb } = await import("../../tests/helpers/db");
    const t = await createTestDb();
    try {
      const c = new (await import("pg")).default.Client({ connectionString: t.url });
      await c.connect();
      const off = (await c.query<{ autovacuum: string }>("SHOW autovacuum")).rows[0].autovacuum === "off";
      await c.end();
      const lines: string[] = [];
      const v = await startVacuumStandIn(t.url, (s) => lines.push(s));
      expect(v.note !== null).toBe(off);
      await v.now();
      await v.stop();
      await v.stop(); // idempotent
      expect(lines.filter((l) => l.startsWith("vacuum stand-in:"))).toEqual([]); // no failed pass
    } finally {
      await t.dispose();
    }
  });
});
