// The embedded database beside a running server. PGlite allows one process, so the server that
// opened it also serves it on a Unix socket (`<DATA_DIR>/.s.PGSQL.5432`, the path node-postgres
// derives from host=<DATA_DIR>), and the CLI connects there with pg instead of opening the files.
//
// PGlite is a single session shared by the server's own queries and every socket client, so a
// client's transaction must not interleave with anything else. pglite-socket's own queue only
// orders socket clients among themselves; here a client that starts a protocol exchange takes
// PGlite's transaction mutex (which every in-process query and transaction waits for) and keeps
// it until the exchange ends outside a transaction: at Sync or a simple Query, so a BEGIN…COMMIT
// spanning many messages, and the Parse/Bind/Execute of one statement, run as one unit.
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";

export const SOCKET_PORT = 5432;

export function socketPath(dataDir: string): string {
  return path.join(path.resolve(dataDir), `.s.PGSQL.${SOCKET_PORT}`);
}

interface Item {
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (e: Error) => void;
}

const SYNC = 0x53; // 'S'
const QUERY = 0x51; // 'Q'
const TERMINATE = 0x58; // 'X'

/** A simple-protocol Query message. */
function queryMessage(text: string): Uint8Array {
  const body = Buffer.from(`${text}\0`, "utf8");
  const msg = Buffer.alloc(5 + body.length);
  msg[0] = QUERY;
  msg.writeInt32BE(4 + body.length, 1);
  body.copy(msg, 5);
  return new Uint8Array(msg);
}

/** The queue pglite-socket's handlers call (same four methods as its QueryQueueManager). */
export class ExclusiveQueue {
  private queue: Item[] = [];
  private pumping = false;
  private holder: number | null = null;
  private releaseMutex: (() => void) | null = null;

  constructor(private readonly db: PGlite) {}

  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ handlerId, message, onData, resolve, reject });
      void this.pump();
    });
  }

  getQueueLength(): number {
    return this.queue.length;
  }

  clearQueueForHandler(handlerId: number): void {
    this.queue = this.queue.filter((q) => {
      if (q.handlerId !== handlerId) return true;
      q.reject(new Error("client disconnected"));
      return false;
    });
  }

  /** A client that left mid-transaction: roll it back and let everyone else in. */
  async clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (this.holder !== handlerId) return;
    if (this.db.isInTransaction()) {
      await this.db.runExclusive(() => this.db.execProtocolRawStream(queryMessage("ROLLBACK"), { onRawData: () => undefined })).catch(() => undefined);
    }
    this.release();
    void this.pump();
  }

  /** Waits for PGlite's transaction mutex and keeps it until release(). */
  private acquire(handlerId: number): Promise<void> {
    this.holder = handlerId;
    return new Promise<void>((entered) => {
      void this.db._runExclusiveTransaction(
        () =>
          new Promise<void>((release) => {
            this.releaseMutex = release;
            entered();
          }),
      );
    });
  }

  private release(): void {
    this.holder = null;
    const release = this.releaseMutex;
    this.releaseMutex = null;
    release?.();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        const i = this.holder === null ? (this.queue.length ? 0 : -1) : this.queue.findIndex((q) => q.handlerId === this.holder);
        if (i < 0) break;
        const [item] = this.queue.splice(i, 1);
        if (this.holder === null) await this.acquire(item.handlerId);
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (d) => {
                bytes += d.length;
                item.onData(d);
              },
            }),
          );
          item.resolve(bytes);
        } catch (e) {
          item.reject(e instanceof Error ? e : new Error(String(e)));
        }
        const type = item.message[0];
        const startup = type === 0; // the startup message has no type byte (its length starts with 0)
        if ((type === SYNC || type === QUERY || type === TERMINATE || startup) && !this.db.isInTransaction()) this.release();
      }
    } finally {
      this.pumping = false;
    }
  }
}

export interface SocketServer {
  path: string;
  close(): Promise<void>;
}

/** Serves `db` on `<dataDir>/.s.PGSQL.5432` (owner-only), replacing a stale socket file. */
export async function serveOnSocket(db: PGlite, dataDir: string): Promise<SocketServer> {
  const { PGLiteSocketHandler } = await import("@electric-sql/pglite-socket");
  const file = socketPath(dataDir);
  if (await socketAnswers(file)) throw new Error(`another server is already serving this database on ${file}`);
  fs.rmSync(file, { force: true });
  const queue = new ExclusiveQueue(db);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    const handler = new PGLiteSocketHandler({ queryQueue: queue as never, closeOnDetach: true });
    handler.addEventListener("error", () => socket.destroy());
    void handler.attach(socket).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(file, () => resolve());
  });
  fs.chmodSync(file, 0o600);
  return {
    path: file,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(file, { force: true });
    },
  };
}

/** Whether a server answers on the socket (a file left by a crashed server does not). */
export function socketAnswers(file: string, timeoutMs = 1000): Promise<boolean> {
  if (!fs.existsSync(file)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const s = net.connect(file);
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}
