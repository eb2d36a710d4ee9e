// Usage events for authenticated /api/v1 requests that book no money: GET /models, /credits,
// /usage, /requests, and every refusal (400, 402, 404, 410, 413, 429, ...). A model call that
// placed a hold writes its row inside its settlement statement instead (lib/ledger/calls.ts),
// atomically with the charge.
//
// Written in batches, off the request's critical path: an event is queued in memory and the
// queue is flushed every USAGE_FLUSH_MS (default 200 ms) or as soon as BATCH events are waiting,
// as ONE multi-row INSERT (unnest over column arrays: one statement shape, whatever the batch
// size), by one writer at a time. What a crash of the instance loses: the events still queued —
// at most the last USAGE_FLUSH_MS of refusals and read-only requests of that instance (and,
// while the database is unreachable, up to MAX_QUEUED of them). A crash of the database loses
// the batches of its last few hundred ms (asynchronous commit). Never money: those requests
// booked nothing. Readers on this instance
// flush first (flushUsageEvents), so a client always finds its own requests.
import { sql } from "drizzle-orm";
import { env } from "@/lib/env";
import { getDb, rows } from "@/lib/db";
import { isUniqueViolation } from "@/lib/db/errors";
import { errFields, log } from "@/lib/log";

export interface UsageEvent {
  id: string;
  accountId: string;
  keyId: string;
  method: string;
  /** Request path without the query string. */
  path: string;
  /** Short endpoint name: chat.completions, messages, embeddings, models, credits, usage, requests, ... */
  endpoint: string;
  model: string | null;
  stream: boolean;
  statusCode: number;
  errorCode: string | null;
  latencyMs: number;
  clientRequestId: string | null;
  clientIpHash: string | null;
  byok: boolean;
  createdAt: Date;
}

const BATCH = 500;
const MAX_QUEUED = 50_000;
/** Dropped at once when the queue is full (1/50 of it for a smaller bound). */
const DROP_CHUNK = 1_000;

export interface UsageEventStats {
  queued: number;
  written: number;
  /** Batch statements that wrote them. */
  batches: number;
  /** Dropped because the queue was full (database unreachable for long). */
  dropped: number;
  failedFlushes: number;
}

interface State {
  queue: UsageEvent[];
  timer: ReturnType<typeof setTimeout> | null;
  /** The flush in progress (flushes run one at a time, in order). */
  chain: Promise<void>;
  /** A batch statement is in flight. */
  flushing: boolean;
  /** The bench measures what recording costs by switching it off in the same process. */
  benchPaused: boolean;
  retryMs: number;
  stats: Omit<UsageEventStats, "queued">;
  lastWarn: number;
}

// On globalThis: the route-handler bundle and a node:http adapter may load separate copies.
const g = globalThis as typeof globalThis & { __tollgateUsageEvents?: State };
function state(): State {
  g.__tollgateUsageEvents ??= { queue: [], timer: null, chain: Promise.resolve(), flushing: false, benchPaused: false, retryMs: 0, stats: { written: 0, batches: 0, dropped: 0, failedFlushes: 0 }, lastWarn: 0 };
  return g.__tollgateUsageEvents;
}

const clip = (s: string | null, n: number) => (s === null ? null : s.length > n ? s.slice(0, n) : s);

/** Queues one event; never throws, never waits. */
export function recordUsageEvent(e: UsageEvent): void {
  const s = state();
  if (s.benchPaused) return;
  s.stats.dropped += makeRoom(s.queue, MAX_QUEUED);
  s.queue.push({ ...e, path: clip(e.path, 300)!, model: clip(e.model, 200), method: e.method.slice(0, 10) });
  schedule(s);
}

/**
 * Makes room for one more event in a queue bounded by `max`: the oldest go first, DROP_CHUNK of
 * them at once (the queue only fills while the database is unreachable, and then every request
 * would otherwise pay for moving ~50,000 entries). Returns how many were dropped.
 */
export function makeRoom(queue: unknown[], max: number): number {
  if (queue.length < max) return 0;
  const chunk = Math.max(1, Math.min(DROP_CHUNK, Math.floor(max / 50)));
  return queue.splice(0, chunk + queue.length - max).length;
}

function schedule(s: State): void {
  // A flush in progress takes whatever has queued meanwhile when its statement returns: one
  // writer at a time, so batches stay full instead of a stream of small ones chasing each other.
  if (s.flushing) return;
  if (s.queue.length >= BATCH && s.retryMs === 0) {
    if (s.timer) clearTimeout(s.timer);
    s.timer = null;
    void flushQueued(false).catch(() => undefined);
    return;
  }
  if (s.timer) return;
  // While the database refuses batches, the backoff sets the pace, however much is queued.
  s.timer = setTimeout(() => {
    s.timer = null;
    void flushQueued(true).catch(() => undefined);
  }, s.retryMs || env().USAGE_FLUSH_MS);
  s.timer.unref?.();
}

// A batch is inserted plainly: ids are minted by the server, so a duplicate only comes from a
// retried batch whose first attempt committed unseen (the connection broke after COMMIT). That
// batch is then re-sent with ON CONFLICT DO NOTHING. Not using it on every batch saves the
// speculative insertion it costs per row (about a tenth of the event's database time).
async function insertBatch(batch: UsageEvent[], skipExisting: boolean): Promise<void> {
  // One bound parameter per column (sql.param: drizzle would otherwise expand an array into a list).
  const col = <T>(f: (e: UsageEvent) => T) => sql.param(batch.map(f));
  await rows(
    await getDb(),
    // Times travel as epoch milliseconds and completed_at is derived here: parsing two arrays of
    // timestamp text was a good part of the statement's cost per event.
    // Committed asynchronously (the set_config lasts until this statement's implicit commit), as
    // settlements are: a database crash may lose the last few hundred ms of written events.
    sql`WITH pn AS (SELECT set_config('synchronous_commit', 'off', true) AS async_commit)
        INSERT INTO requests (id, account_id, key_id, method, path, endpoint, model, stream, status_code, error_code,
          latency_ms, client_request_id, client_ip_hash, byok, created_at, completed_at)
        SELECT id, account_id, key_id, method, path, endpoint, model, stream, status_code, error_code,
               latency_ms, client_request_id, client_ip_hash, byok, to_timestamp(created_ms / 1000.0), to_timestamp((created_ms + latency_ms) / 1000.0)
        FROM unnest(${col((e) => e.id)}::text[], ${col((e) => e.accountId)}::text[], ${col((e) => e.keyId)}::text[],
                    ${col((e) => e.method)}::text[], ${col((e) => e.path)}::text[], ${col((e) => e.endpoint)}::text[],
                    ${col((e) => e.model)}::text[], ${col((e) => e.stream)}::boolean[], ${col((e) => e.statusCode)}::int[],
                    ${col((e) => e.errorCode)}::text[], ${col((e) => e.latencyMs)}::int[], ${col((e) => e.clientRequestId)}::text[],
                    ${col((e) => e.clientIpHash)}::text[], ${col((e) => e.byok)}::boolean[], ${col((e) => e.createdAt.getTime())}::int8[])
             AS t(id, account_id, key_id, method, path, endpoint, model, stream, status_code, error_code,
                  latency_ms, client_request_id, client_ip_hash, byok, created_ms), pn
        ${skipExisting ? sql`ON CONFLICT (id) DO NOTHING` : sql``}`,
  );
}

/**
 * Writes what is queued in batches of BATCH: everything (the timer, readers), or only full
 * batches (a full batch is waiting; the rest waits for the timer). Rejects if a batch was refused.
 */
function flushQueued(all: boolean): Promise<void> {
  const s = state();
  const run = async () => {
    s.flushing = true;
    try {
      while (s.queue.length >= (all ? 1 : BATCH)) {
        const batch = s.queue.splice(0, BATCH);
        try {
          await insertBatch(batch, false).catch((e) => (isUniqueViolation(e) ? insertBatch(batch, true) : Promise.reject(e)));
          s.stats.written += batch.length;
          s.stats.batches++;
          s.retryMs = 0;
        } catch (e) {
          // Back in front, in order (oldest dropped if that overflows), and retried with backoff.
          s.queue.unshift(...batch);
          if (s.queue.length > MAX_QUEUED) s.stats.dropped += s.queue.splice(0, s.queue.length - MAX_QUEUED).length;
          s.stats.failedFlushes++;
          s.retryMs = Math.min(5_000, Math.max(100, s.retryMs * 2));
          if (Date.now() - s.lastWarn > 10_000) {
            s.lastWarn = Date.now();
            // The driver's own error, not the query text (which carries every value of the batch).
            const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
            log("usage").error({ queued: s.queue.length, ...errFields(cause) }, "usage events not written; retrying");
          }
          throw e;
        }
      }
    } finally {
      s.flushing = false;
      if (s.queue.length > 0) schedule(s);
    }
  };
  const next = s.chain.then(run, run);
  s.chain = next.catch(() => undefined);
  return next;
}

/**
 * Writes every event queued on this instance so far. Readers of the request log call it first;
 * a database failure is not theirs to report (their own query will fail or succeed on its own).
 */
export async function flushUsageEvents(): Promise<void> {
  const s = state();
  if (s.timer) {
    clearTimeout(s.timer);
    s.timer = null;
  }
  if (s.queue.length === 0) return s.chain;
  await flushQueued(true).catch(() => undefined);
}

/**
 * Bench only (scripts/server.ts allows it when TOLLGATE_BENCH_ROUTES=1): flips whether requests
 * that book no money leave a usage event, so one process serves both sides of the comparison.
 */
export function toggleUsageEventsForBench(): boolean {
  const s = state();
  s.benchPaused = !s.benchPaused;
  return !s.benchPaused;
}

export function usageEventStats(): UsageEventStats {
  const s = state();
  return { queued: s.queue.length, ...s.stats };
}
