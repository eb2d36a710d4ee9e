// Pipelined connections for the ledger's hot statements (placeHold, settle).
//
// Why: every gateway call runs two short statements that all lock the same account row. Through
// the ordinary pool, 32 concurrent calls of one account are 32 backends queueing on that row
// lock — each statement a sleeping backend to wake, a lock wait, a context switch. Measured with
// `npm run bench` that contention, not the statements' own work, was most of PostgreSQL's CPU per
// call. node-postgres' pipeline mode writes a statement without waiting for the previous one's
// answer; each keeps its own Sync, so each is still its own implicit transaction and an error in
// one never touches another. A few connections then carry all of this process' hot statements
// back to back: the backends stay busy instead of queueing on locks.
//
// Head-of-line blocking is the cost: a statement waiting for a lock delays the ones written
// behind it on the same connection. Only these short, single-statement, lock-first statements
// use it (no transactions, no user-controlled queries); a connection with too many statements in
// flight stops receiving work (they go to the pool).
import pg from "pg";
import { errFields, log } from "@/lib/log";
import { env } from "@/lib/env";
import { isConnectionLoss } from "./errors";
import { corked, writable } from "./pg-internals";

/** Beyond this many statements in flight on every connection, use the pool instead. */
const MAX_DEPTH = 64;

interface Queued {
  q: { name: string; text: string; values: unknown[] };
  resolve(r: { rows: unknown[] }): void;
  reject(e: unknown): void;
}

interface Lane {
  client: pg.Client | null;
  connecting: Promise<pg.Client> | null;
  inFlight: number;
  /** Statements asked for in this turn of the event loop, written together at its end. */
  queued: Queued[];
}


export interface Pipeline {
  /**
   * Runs q on a pipelined connection, or returns null (closed, or every connection backed up):
   * then the caller uses the pool. Statements with the same affinity (an account id) always take
   * the same connection, so one account's statements run back to back on one backend instead of
   * queueing on its row lock from several.
   */
  query(q: { name: string; text: string; values: unknown[] }, affinity?: string): Promise<{ rows: unknown[] }> | null;
  close(): Promise<void>;
}

type PoolWithOptions = { options?: pg.PoolConfig };

const pipelines = new WeakMap<object, Pipeline>();
const closedPools = new WeakSet<object>();
const CLOSED: Pipeline = { query: () => null, close: async () => undefined };

/** The pipeline that belongs to a node-postgres pool (same server and credentials). */
export function pipelineFor(pool: object): Pipeline {
  if (closedPools.has(pool)) return CLOSED; // late statements meet the closed pool's own error
  if (env().TOLLGATE_PG_PIPELINE === "off") return CLOSED; // the plain pool, nothing else
  let p = pipelines.get(pool);
  if (!p) {
    p = createPipeline({ ...(pool as PoolWithOptions).options });
    pipelines.set(pool, p);
  }
  return p;
}

export async function closePipelineFor(pool: object): Promise<void> {
  closedPools.add(pool);
  const p = pipelines.get(pool);
  pipelines.delete(pool);
  await p?.close();
}

function createPipeline(config: pg.PoolConfig): Pipeline {
  const { max: _max, idleTimeoutMillis: _idle, ...clientConfig } = config;
  const lanes: Lane[] = Array.from({ length: env().TOLLGATE_PIPELINE_CONNECTIONS }, () => ({ client: null, connecting: null, inFlight: 0, queued: [] }));
  let closed = false;

  const connect = (lane: Lane): Promise<pg.Client> => {
    if (lane.client) return Promise.resolve(lane.client);
    if (!lane.connecting) {
      const client = new pg.Client({ ...clientConfig, pipeline: true } as pg.ClientConfig);
      const drop = () => {
        if (lane.client === client) lane.client = null;
      };
      // A lost connection fails the statements in flight on it (their callers retry or answer
      // 5xx); the next statement opens a new one.
      client.on("error", (e) => {
        drop();
        if (!closed) log("db").error(errFields(e), "pipelined connection lost");
      });
      client.on("end", drop);
      lane.connecting = client.connect().then(
        () => {
          lane.connecting = null;
          if (closed) {
            void client.end();
            throw new Error("pipeline closed");
          }
          lane.client = client;
          return client;
        },
        (e: unknown) => {
          lane.connecting = null;
          throw e;
        },
      );
    }
    return lane.connecting;
  };

  // Every statement requested during one turn of the event loop (the I/O callbacks of many
  // concurrent calls) goes out in ONE socket write: each write that wakes the backend costs a
  // system call and a context switch on both sides, far more CPU than the bytes it carries.
  const flush = async (lane: Lane) => {
    const batch = lane.queued;
    lane.queued = [];
    // A connection the server just closed can still be here for a moment (its 'error'/'end'
    // event not yet run): never write to one that already failed.
    if (lane.client && !writable(lane.client)) lane.client = null;
    let client: pg.Client;
    try {
      client = lane.client ?? (await connect(lane));
    } catch (e) {
      for (const item of batch) item.reject(e);
      return;
    }
    const failed = (e: unknown) => {
      // The server ended the session (FATAL, e.g. terminated by an administrator or shutting
      // down) or the socket broke: nothing more may be written to this connection.
      if (isConnectionLoss(e) && lane.client === client) lane.client = null;
      return Promise.reject(e);
    };
    corked(client, () => {
      for (const item of batch) client.query(item.q).then(item.resolve, (e: unknown) => failed(e).catch(item.reject));
    });
  };

  return {
    query(q, affinity) {
      if (closed) return null;
      let lane = lanes[0];
      if (affinity) lane = lanes[hash(affinity) % lanes.length];
      else for (const l of lanes) if (l.inFlight < lane.inFlight) lane = l;
      if (lane.inFlight >= MAX_DEPTH) return null;
      // An idle connection gains nothing from waiting for company: write now (a quiet server's
      // latency). A busy one collects the rest of this event-loop turn into one write.
      const idle = lane.inFlight === 0 && lane.queued.length === 0 && lane.client !== null;
      lane.inFlight++;
      const done = new Promise<{ rows: unknown[] }>((resolve, reject) => {
        const first = lane.queued.push({ q, resolve, reject }) === 1;
        if (idle) void flush(lane);
        else if (first) setImmediate(() => void flush(lane));
      });
      return done.finally(() => lane.inFlight--);
    },
    async close() {
      closed = true;
      await Promise.all(
        lanes.map(async (lane) => {
          const c = lane.client ?? (await lane.connecting?.catch(() => null));
          lane.client = null;
          await c?.end().catch(() => undefined);
        }),
      );
    },
  };
}

function hash(s: string): number {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
