// The only place that reaches into node-postgres beyond its public API: the pipelined hot-path
// connections (pipeline.ts) cork the socket to send a batch in one write and check whether a
// client can still be written to. If a pg upgrade changes these internals, the pipeline degrades
// to one write per statement and to noticing a dead connection on its error event; setting
// TOLLGATE_PG_PIPELINE=off avoids them altogether (the hot statements then use the plain pool).
import type pg from "pg";

type Internals = { _queryable?: boolean; _ending?: boolean; connection?: { stream?: { destroyed?: boolean; cork?(): void; uncork?(): void } } };

/** Runs `write` with the client's socket corked, so everything it writes goes out together. */
export function corked(client: pg.Client, write: () => void): void {
  const stream = (client as unknown as Internals).connection?.stream;
  stream?.cork?.();
  try {
    write();
  } finally {
    stream?.uncork?.();
  }
}

/** False once the client errored, is ending, or its socket is gone. */
export function writable(client: pg.Client): boolean {
  const c = client as unknown as Internals;
  return c._queryable !== false && c._ending !== true && c.connection?.stream?.destroyed !== true;
}
