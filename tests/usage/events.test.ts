// The batched usage-event writer against a real database: events are queued without waiting,
// land in `requests` in batches, a reader's flush makes them visible, and a database that is
// down keeps them queued (in order) until it is back.
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requests } from "../../db/schema";
import { newId } from "../../lib/ids";
import { setDbHandle } from "../../lib/db";
import { resetEnvCache } from "../../lib/env";
import { flushUsageEvents, makeRoom, recordUsageEvent, usageEventStats, type UsageEvent } from "../../lib/usage/events";
import { createTestDb, type TestDb } from "../helpers/db";

let t: TestDb;
beforeAll(async () => {
  process.env.USAGE_FLUSH_MS = "50";
  t = await createTestDb();
});
afterAll(async () => {
  await t?.dispose();
});

function event(accountId: string, over: Partial<UsageEvent> = {}): UsageEvent {
  return {
    id: newId("request"),
    accountId,
    keyId: "key_test",
    method: "GET",
    path: "/api/v1/models",
    endpoint: "models",
    model: null,
    stream: false,
    statusCode: 200,
    errorCode: null,
    latencyMs: 3,
    clientRequestId: null,
    clientIpHash: null,
    byok: false,
    createdAt: new Date(),
    ...over,
  };
}

const countFor = async (accountId: string) => (await t.db.select().from(requests).where(eq(requests.accountId, accountId))).length;

describe("usage events", () => {
  it("queues without writing, then writes on the timer", async () => {
    const acct = newId("account");
    recordUsageEvent(event(acct, { statusCode: 429, errorCode: "RATE_LIMITED", method: "POST", path: "/api/v1/chat/completions", endpoint: "chat.completions", model: "mock-small", clientRequestId: "client-1" }));
    expect(await countFor(acct)).toBe(0); // not written synchronously
    await new Promise((r) => setTimeout(r, 300));
    const [row] = await t.db.select().from(requests).where(eq(requests.accountId, acct));
    expect(row).toMatchObject({ method: "POST", path: "/api/v1/chat/completions", endpoint: "chat.completions", statusCode: 429, errorCode: "RATE_LIMITED", model: "mock-small", clientRequestId: "client-1", costMicros: BigInt(0), usageSource: "none" });
    expect(row.completedAt!.getTime()).toBe(row.createdAt.getTime() + 3);
  });

  it("a reader's flush makes every queued event visible, in one batch for many", async () => {
    const acct = newId("account");
    for (let i = 0; i < 1200; i++) recordUsageEvent(event(acct, { latencyMs: i }));
    await flushUsageEvents();
    expect(await countFor(acct)).toBe(1200);
    expect(usageEventStats().queued).toBe(0);
  });

  it("keeps events queued while the database is unreachable and writes them when it is back", async () => {
    const acct = newId("account");
    const broken = await createTestDb({ install: false });
    await broken.dispose(); // a closed handle: every query fails
    setDbHandle(broken);
    try {
      recordUsageEvent(event(acct));
      recordUsageEvent(event(acct, { statusCode: 402, errorCode: "INSUFFICIENT_CREDITS" }));
      await flushUsageEvents();
      expect(usageEventStats().queued).toBe(2);
      expect(usageEventStats().failedFlushes).toBeGreaterThan(0);
    } finally {
      setDbHandle(t);
    }
    await flushUsageEvents();
    expect(usageEventStats().queued).toBe(0);
    expect(await countFor(acct)).toBe(2);
  });

  it("a batch re-sent after its first attempt committed unseen writes each event once, and the rest of it", async () => {
    const acct = newId("account");
    const first = event(acct, { latencyMs: 1 });
    recordUsageEvent(first);
    await flushUsageEvents();
    // The same event again (what a retry after a connection lost past COMMIT sends), with a new one.
    recordUsageEvent({ ...first });
    recordUsageEvent(event(acct, { latencyMs: 2 }));
    await flushUsageEvents();
    expect(usageEventStats().queued).toBe(0);
    const got = await t.db.select().from(requests).where(eq(requests.accountId, acct));
    expect(got.map((r) => r.latencyMs).sort()).toEqual([1, 2]);
  });

  it("events arriving while a batch is in flight join the next full batch, not a stream of small ones", async () => {
    const acct = newId("account");
    // Only full batches count here: the timer (50 ms in this file) would also write partial ones
    // when a loaded machine stretches the trickle.
    process.env.USAGE_FLUSH_MS = "60000";
    resetEnvCache();
    const before = usageEventStats().batches;
    for (let i = 0; i < 500; i++) recordUsageEvent(event(acct)); // a full batch: its write starts
    // A steady trickle over several batch writes (what a busy instance sees): 10 events every ms.
    for (let tick = 0; tick < 150; tick++) {
      for (let i = 0; i < 10; i++) recordUsageEvent(event(acct));
      await new Promise((r) => setTimeout(r, 1));
    }
    process.env.USAGE_FLUSH_MS = "50";
    resetEnvCache();
    await flushUsageEvents();
    expect(await countFor(acct)).toBe(2000);
    // Four full batches (the reader's flush may write a last partial one); writing whatever has trickled in
    // whenever the previous write returns would be dozens of statements.
    expect(usageEventStats().batches - before).toBeLessThanOrEqual(5);
  });
});

describe("the bounded queue (database unreachable for long)", () => {
  it("drops the oldest in chunks, keeping order, so a full queue costs a request nothing extra", () => {
    const q = Array.from({ length: 50_000 }, (_, i) => i);
    expect(makeRoom(q, 50_000)).toBe(1_000);
    expect(q.length).toBe(49_000);
    expect(q[0]).toBe(1_000);
    q.push(50_000);
    // The next 999 events find room without moving anything.
    for (let i = 1; i < 1_000; i++) {
      expect(makeRoom(q, 50_000)).toBe(0);
      q.push(50_000 + i);
    }
    expect(q.length).toBe(50_000);
    expect(q.at(-1)).toBe(50_999);
    // A queue already over its bound (a failed batch put back in front) comes back under it.
    const over = Array.from({ length: 120 }, (_, i) => i);
    expect(makeRoom(over, 100)).toBe(22);
    expect(over[0]).toBe(22);
    expect(makeRoom([1, 2], 100)).toBe(0);
  });
});
