// Clients hanging up at every stage of a call — while the body is still uploading, during
// admission, during the hold, before the upstream's first byte, after it, mid-stream — against
// both adapters. Nothing may crash the process; every call that reached the upstream is logged
// and charged for what was delivered (nothing before the first byte); no hold is left; the books
// balance; and the gateway keeps serving.
import net from "node:net";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { holds, requests } from "../../db/schema";
import { getCredits, verifyLedger } from "../../lib/ledger";
import { startBothAdapters, watchProcess, type Adapters } from "./contract-helpers";
import { fundedAccount, newKey, postJson, settled, sleep } from "./helpers";

let a: Adapters;
let key: string;
let accountId: string;
let watch: ReturnType<typeof watchProcess>;
const FUNDS = 50_000_000n;

beforeAll(async () => {
  watch = watchProcess();
  a = await startBothAdapters();
  ({ accountId } = await fundedAccount(a.gw.t, { micros: FUNDS, concurrency: 100 }));
  ({ key } = await newKey(a.gw.t, accountId, { tier: "enterprise" }));
});
afterAll(async () => {
  watch?.stop();
  await a?.close();
});

interface HangUp {
  /** Send only this many bytes of the body, then hang up. */
  partialBody?: number;
  /** Hang up this long after the request was written. */
  afterMs?: number;
  /** Hang up once the response so far contains this many SSE events. */
  afterEvents?: number;
}

/** A raw HTTP/1.1 request over a socket we can cut at any moment. Resolves with what arrived. */
function hangUpCall(baseUrl: string, path: string, requestId: string, body: string, how: HangUp): Promise<string> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let got = "";
    const cut = () => {
      socket.destroy();
      resolve(got);
    };
    socket.on("error", () => resolve(got));
    socket.on("close", () => resolve(got));
    socket.on("data", (d: Buffer) => {
      got += d.toString("utf8");
      if (how.afterEvents !== undefined && (got.match(/\n\ndata: |\r\n\r\n[0-9a-f]+\r\ndata: |data: /g) ?? []).length >= how.afterEvents) cut();
    });
    socket.on("connect", () => {
      const bytes = Buffer.from(body);
      socket.write(
        `POST ${url.pathname}${path} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nAuthorization: Bearer ${key}\r\n` +
          `X-Request-Id: ${requestId}\r\nContent-Length: ${bytes.length}\r\n\r\n`,
      );
      if (how.partialBody !== undefined) {
        socket.write(bytes.subarray(0, how.partialBody), () => setImmediate(cut));
        return;
      }
      socket.write(bytes, () => {
        if (how.afterMs !== undefined) setTimeout(cut, how.afterMs);
      });
    });
  });
}

/** The request rows of these calls, once all are written (a transport may notice a hang-up late). */
async function rowsFor(ids: string[], timeoutMs = 5000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    await settled();
    const rows = await a.gw.t.db.select().from(requests).where(inArray(requests.clientRequestId, ids));
    if (rows.length === ids.length || Date.now() > until) return rows;
    await sleep(50);
  }
}

const chat = (content: string, extra: Record<string, unknown> = {}) => JSON.stringify({ model: "mock-small", max_tokens: 50, messages: [{ role: "user", content }], ...extra });
let seq = 0;
const rid = (stage: string) => `hang_${stage}_${process.pid}_${seq++}`;

const ADAPTERS: [string, () => string][] = [
  ["fast lane", () => a.gw.base],
  ["route handlers", () => `${a.routes.url}/api/v1`],
];

describe.each(ADAPTERS)("%s", (_adapter, base) => {
  it("while the body uploads, during admission and during the hold: no crash, nothing charged, nothing held", async () => {
    const ids: string[] = [];
    const calls: Promise<string>[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push(rid("upload"));
      calls.push(hangUpCall(base(), "/chat/completions", ids.at(-1)!, chat(`upload ${i} #latency=50`), { partialBody: 20 }));
      ids.push(rid("admission"));
      calls.push(hangUpCall(base(), "/chat/completions", ids.at(-1)!, chat(`admission ${i} #latency=50`), { afterMs: 0 }));
      ids.push(rid("hold"));
      calls.push(hangUpCall(base(), "/chat/completions", ids.at(-1)!, chat(`hold ${i} #latency=50`), { afterMs: 2 + i }));
    }
    await Promise.all(calls);
    await sleep(500);
    await settled();
    const rows = await a.gw.t.db.select().from(requests).where(inArray(requests.clientRequestId, ids));
    // The client left before the upstream answered: logged as 499 with no charge, if logged at all.
    for (const r of rows) expect({ id: r.clientRequestId, status: r.statusCode, cost: r.costMicros }).toEqual({ id: r.clientRequestId, status: 499, cost: 0n });
  });

  it("before the upstream's first byte: 499 CLIENT_CLOSED, no charge", async () => {
    const ids = Array.from({ length: 4 }, () => rid("first-byte"));
    await Promise.all(ids.map((id, i) => hangUpCall(base(), "/chat/completions", id, chat(`first byte ${i} #latency=600`), { afterMs: 150 })));
    const rows = await rowsFor(ids);
    expect(rows.map((r) => [r.statusCode, r.errorCode, r.costMicros])).toEqual(ids.map(() => [499, "CLIENT_CLOSED", 0n]));
  });

  it("after the first streamed event and mid-stream: 499, charged the delivered tokens (never above the hold)", async () => {
    const early = Array.from({ length: 3 }, () => rid("after-first"));
    const mid = Array.from({ length: 3 }, () => rid("mid-stream"));
    await Promise.all([
      ...early.map((id, i) => hangUpCall(base(), "/chat/completions", id, chat(`after first ${i} #tokens=20 #interval=100`, { stream: true }), { afterEvents: 1 })),
      ...mid.map((id, i) => hangUpCall(base(), "/chat/completions", id, chat(`mid ${i} #tokens=20 #interval=60`, { stream: true }), { afterEvents: 5 })),
    ]);
    const rows = await rowsFor([...early, ...mid]);
    for (const r of rows) {
      expect(r.statusCode).toBe(499);
      expect(r.usageSource).toBe("estimated");
      expect(r.costMicros).toBeLessThanOrEqual(r.holdMicros);
    }
    for (const r of rows.filter((x) => mid.includes(x.clientRequestId!))) expect(r.outputTokens).toBeGreaterThanOrEqual(3);
    for (const r of rows.filter((x) => mid.includes(x.clientRequestId!))) expect(r.costMicros).toBeGreaterThan(0n);
  });

  it("the gateway still serves normally afterwards", async () => {
    const res = await postJson(`${base()}/chat/completions`, key, JSON.parse(chat("after the hang-ups #tokens=2")));
    expect(res.status).toBe(200);
  });
});

it("no uncaught exception, nothing held, every charge is in the log, and the ledger verifies", async () => {
  await sleep(300);
  await settled();
  expect(watch.uncaught).toEqual([]);
  expect(await a.gw.t.db.select().from(holds).where(and(eq(holds.accountId, accountId), eq(holds.status, "pending")))).toEqual([]);
  const logged = await a.gw.t.db.select().from(requests).where(eq(requests.accountId, accountId));
  const total = logged.reduce((s, r) => s + r.costMicros, 0n);
  const credits = await getCredits(a.gw.t.db, accountId);
  expect(credits.heldMicros).toBe(0n);
  expect(credits.balanceMicros).toBe(FUNDS - total);
  expect((await verifyLedger(a.gw.t.db, accountId)).violations).toEqual([]);
});
