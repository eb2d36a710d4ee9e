// `--diagnose`: TCP proxies between the server and PostgreSQL / Redis that count protocol
// messages, so the bench can say how many round trips one gateway request costs.
// PostgreSQL: a round trip is a simple Query ('Q') or an extended-protocol Sync ('S');
// node-postgres sends one Sync per query. Redis: commands are RESP arrays; "writes" counts the
// client's write bursts (auto-pipelined commands travel together), close to its round trips.
import net from "node:net";

export interface ProxyCounts {
  roundTrips: number;
  messages: number;
  connections: number;
}

export interface CountingProxy {
  /** The same connection string, pointed at the proxy. */
  url: string;
  snapshot(): ProxyCounts;
  close(): Promise<void>;
}

export type Parser = (chunk: Buffer, counts: ProxyCounts) => void;

export function pgParser(): Parser {
  let buf: Buffer = Buffer.alloc(0);
  let started = false;
  return (chunk, counts) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    // The startup (and SSL request) message has no type byte: int32 length first.
    while (!started) {
      if (buf.length < 8) return;
      const len = buf.readInt32BE(0);
      if (buf.length < len) return;
      const code = buf.readInt32BE(4);
      buf = buf.subarray(len);
      if (code !== 80877103) started = true; // 80877103 = SSLRequest; the real startup follows
    }
    while (buf.length >= 5) {
      const len = buf.readInt32BE(1);
      if (buf.length < len + 1) break;
      const type = String.fromCharCode(buf[0]);
      counts.messages += 1;
      if (type === "Q" || type === "S") counts.roundTrips += 1;
      buf = buf.subarray(len + 1);
    }
  };
}

export function redisParser(): Parser {
  let buf: Buffer = Buffer.alloc(0);
  return (chunk, counts) => {
    counts.roundTrips += 1; // one write burst
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      // One complete RESP array of bulk strings, or stop and wait for more bytes.
      if (buf.length === 0 || buf[0] !== 0x2a /* '*' */) {
        const nl = buf.indexOf("\r\n");
        if (nl < 0) return;
        counts.messages += 1; // inline command
        buf = buf.subarray(nl + 2);
        continue;
      }
      let pos = buf.indexOf("\r\n");
      if (pos < 0) return;
      const n = Number(buf.subarray(1, pos).toString());
      pos += 2;
      let complete = true;
      for (let i = 0; i < n; i++) {
        const nl = buf.indexOf("\r\n", pos);
        if (nl < 0) {
          complete = false;
          break;
        }
        const len = Number(buf.subarray(pos + 1, nl).toString());
        pos = nl + 2 + len + 2;
        if (pos > buf.length) {
          complete = false;
          break;
        }
      }
      if (!complete) return;
      counts.messages += 1;
      buf = buf.subarray(pos);
    }
  };
}

export async function startCountingProxy(connectionUrl: string, protocol: "pg" | "redis"): Promise<CountingProxy> {
  const target = new URL(connectionUrl);
  const host = target.hostname;
  const port = Number(target.port || (protocol === "pg" ? 5432 : 6379));
  const counts: ProxyCounts = { roundTrips: 0, messages: 0, connections: 0 };
  const sockets = new Set<net.Socket>();

  const server = net.createServer((client) => {
    counts.connections += 1;
    const upstream = net.connect(port, host);
    const parse = protocol === "pg" ? pgParser() : redisParser();
    sockets.add(client).add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    client.on("data", (chunk: Buffer) => {
      upstream.write(chunk);
      parse(chunk, counts);
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on("close", end);
      s.on("error", end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const proxied = new URL(connectionUrl);
  proxied.hostname = "127.0.0.1";
  proxied.port = String((server.address() as net.AddressInfo).port);
  return {
    url: proxied.toString(),
    snapshot: () => ({ ...counts }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
