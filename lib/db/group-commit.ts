// Group commit for statements that all lock one row (an account). Every such statement holds that
// row lock until it commits, so a busy account moves one lock hand-off at a time, however many
// callers wait. Here calls that arrive while a statement of their lane (an account) is in flight,
// on this process and outside a transaction, wait for it and then go together as ONE batch
// statement: one lock, one executor start-up, one commit. A caller alone pays nothing extra: the
// first call of an idle lane runs at once, as its own single statement.
//
// A batch statement decides each item exactly as running them one by one in arrival order would.
// It may hand an item back (ALONE) when that item needs the single statement's rarer branches; a
// batch that throws sends every item down the single path. The single path is idempotent on the
// item's own id, so an item a lost batch did commit is recognised, never applied twice.
import { PgTransaction } from "drizzle-orm/pg-core";
import type { DbOrTx } from "./index";

/** A batch result for an item the batch did not decide: it runs on its own, after the batch. */
export const ALONE: unique symbol = Symbol("alone");

export interface GroupCommitStats {
  /** Batch statements that decided their items. */
  batches: number;
  /** Items those batches decided. */
  batchedItems: number;
  /** Batches that failed as a whole and fell back to one statement per item. */
  fallbacks: number;
}

interface Waiter<I, R> {
  item: I;
  single(item: I): Promise<R>;
  resolve(r: R): void;
  reject(e: unknown): void;
}

interface Lane<I, R> {
  waiting: Waiter<I, R>[];
}

export interface GroupCommitOptions<I, R> {
  /** The most items one statement carries: bounds its run time and how long it holds the lock. */
  maxBatch: number;
  /** One statement for all items, one result per item in order (or ALONE). Throwing = unknown outcome. */
  batch(db: DbOrTx, lane: string, items: I[]): Promise<(R | typeof ALONE)[]>;
  /** Items with the same conflict key never share a batch (the later one waits for the next). */
  conflictKey?(item: I): string;
}

export function groupCommit<I, R>(options: GroupCommitOptions<I, R>) {
  const lanes = new WeakMap<object, Map<string, Lane<I, R>>>();
  const stats: GroupCommitStats = { batches: 0, batchedItems: 0, fallbacks: 0 };

  const alone = (w: Waiter<I, R>) => w.single(w.item).then(w.resolve, w.reject);

  function take(lane: Lane<I, R>): Waiter<I, R>[] {
    if (!options.conflictKey) return lane.waiting.splice(0, options.maxBatch);
    const seen = new Set<string>();
    const batch: Waiter<I, R>[] = [];
    const rest: Waiter<I, R>[] = [];
    for (const w of lane.waiting) {
      const key = options.conflictKey(w.item);
      if (batch.length < options.maxBatch && !seen.has(key)) {
        seen.add(key);
        batch.push(w);
      } else {
        rest.push(w);
      }
    }
    lane.waiting = rest;
    return batch;
  }

  async function drain(db: DbOrTx, laneKey: string, lane: Lane<I, R>): Promise<void> {
    try {
      while (lane.waiting.length > 0) {
        const batch = take(lane);
        if (batch.length === 1) {
          await alone(batch[0]);
          continue;
        }
        let out: (R | typeof ALONE)[] | null;
        try {
          out = await options.batch(db, laneKey, batch.map((w) => w.item));
        } catch {
          out = null;
        }
        if (!out || out.length !== batch.length) {
          // Outcome unknown or refused as a whole: each call on its own, in order.
          stats.fallbacks++;
          for (const w of batch) await alone(w);
          continue;
        }
        let decided = 0;
        const leftOver: Waiter<I, R>[] = [];
        for (let i = 0; i < batch.length; i++) {
          const r = out[i];
          if (r === ALONE) leftOver.push(batch[i]);
          else {
            decided++;
            batch[i].resolve(r);
          }
        }
        stats.batches++;
        stats.batchedItems += decided;
        for (const w of leftOver) await alone(w);
      }
    } finally {
      // Whatever happened above, the lane never stays closed with callers in it.
      if (lane.waiting.length > 0) setImmediate(() => void drain(db, laneKey, lane));
      else lanes.get(db)?.delete(laneKey);
    }
  }

  return {
    /**
     * Runs one item through its lane: at once through `single` when the lane is idle, else with
     * whatever else has queued meanwhile, in one batch statement.
     */
    run(db: DbOrTx, laneKey: string, item: I, single: (item: I) => Promise<R>): Promise<R> {
      // A transaction keeps its own connection and order; nothing to share it with.
      if (db instanceof PgTransaction) return single(item);
      let byLane = lanes.get(db);
      if (!byLane) lanes.set(db, (byLane = new Map()));
      const busy = byLane.get(laneKey);
      if (busy) return new Promise<R>((resolve, reject) => busy.waiting.push({ item, single, resolve, reject }));
      const lane: Lane<I, R> = { waiting: [] };
      byLane.set(laneKey, lane);
      const first = single(item);
      const next = () => drain(db, laneKey, lane);
      void first.then(next, next);
      return first;
    },
    stats(): Readonly<GroupCommitStats> {
      return { ...stats };
    },
  };
}
