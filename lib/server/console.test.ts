import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { consoleProxy, newConsoleSocketPath, separateConsole } from "./console";
import type { Env } from "@/lib/env";

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function listenOn(server: http.Server, where: string | number): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(where, r));
  return typeof where === "string" ? where : `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A stand-in console on a Unix socket: echoes what it received. */
async function fakeConsole(): Promise<string> {
  const socket = newConsoleSocketPath();
  const s = http.createServer((req, res) => {
    if (req.url === "/livez") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
      return;
    }
    if (req.url === "/stream") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first;");
      setTimeout(() => res.end("second"), 50);
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      res.setHeader("Set-Cookie", ["a=1; Path=/", "b=2; Path=/"]);
      res.writeHead(201, { "content-type": "application/json" });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() }));
    });
  });
  await listenOn(s, socket);
  return socket;
}

async function front(socket: string): Promise<string> {
  return listenOn(http.createServer(consoleProxy(socket)), 0);
}

describe("console proxy", () => {
  it("passes method, path, body and every Set-Cookie, and appends the peer to X-Forwarded-For", async () => {
    const url = await front(await fakeConsole());
    const res = await fetch(`${url}/signin?callbackUrl=%2Fkeys`, { method: "POST", headers: { "x-forwarded-for": "203.0.113.9", "content-type": "application/x-www-form-urlencoded" }, body: "email=a%40b.c" });
    expect(res.status).toBe(201);
    expect(res.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"]);
    const got = (await res.json()) as { method: string; url: string; headers: Record<string, string>; body: string };
    expect(got).toMatchObject({ method: "POST", url: "/signin?callbackUrl=%2Fkeys", body: "email=a%40b.c" });
    // The client's own entry stays leftmost; the console trusts one more hop than the front.
    expect(got.headers["x-forwarded-for"]).toMatch(/^203\.0\.113\.9, (::ffff:)?127\.0\.0\.1$/);
  });

  it("re-frames a chunked upload", async () => {
    const url = await front(await fakeConsole());
    const u = new URL(url);
    const body = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, path: "/api/stripe/webhook", method: "POST", headers: { "transfer-encoding": "chunked" } }, (res) => {
        let text = "";
        res.on("data", (c: Buffer) => (text += c));
        res.on("end", () => resolve(text));
      });
      req.on("error", reject);
      req.write("part one, ");
      setTimeout(() => req.end("part two"), 20);
    });
    expect(JSON.parse(body).body).toBe("part one, part two");
  });

  it("streams answers as they come", async () => {
    const url = await front(await fakeConsole());
    const res = await fetch(`${url}/stream`);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value!).toString()).toBe("first;");
    let rest = "";
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      rest += Buffer.from(r.value).toString();
    }
    expect(rest).toBe("second");
  });

  it("answers 502 with Retry-After while the console is down", async () => {
    const socket = newConsoleSocketPath();
    fs.rmSync(socket, { force: true });
    const url = await front(socket);
    const res = await fetch(`${url}/keys`);
    expect(res.status).toBe(502);
    expect(res.headers.get("retry-after")).toBe("2");
    expect(await res.text()).not.toMatch(/ENOENT|sock/);
  });
});

describe("separateConsole", () => {
  const base = { TOLLGATE_FAST_LANE: "on", TOLLGATE_CONSOLE_PROCESS: "auto", DATABASE_URL: "postgres://x/y", REDIS_URL: "redis://x" } as unknown as Env;
  it("needs external stores and the fast lane", () => {
    expect(separateConsole(base)).toBe(true);
    expect(separateConsole({ ...base, REDIS_URL: undefined })).toBe(false);
    expect(separateConsole({ ...base, DATABASE_URL: undefined })).toBe(false);
    expect(separateConsole({ ...base, TOLLGATE_FAST_LANE: "off" })).toBe(false);
    expect(separateConsole({ ...base, TOLLGATE_CONSOLE_PROCESS: "off" })).toBe(false);
  });
});

describe("the front with the console apart", () => {
  it("answers /livez and /readyz itself, with the console's state beside readiness", async () => {
    const { requestListener } = await import("./index");
    const { consoleAnswers } = await import("./console");
    const socket = await fakeConsole();
    const url = await listenOn(http.createServer(requestListener({ next: null, fastLane: false, console: { handle: consoleProxy(socket), up: () => consoleAnswers(socket) } })), 0);
    const live = await fetch(`${url}/livez`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    const body = (await ready.json()) as { console?: string; status?: string };
    expect(body.console).toBe("ok");
    expect(body.status).toBeDefined();
    // Everything else still reaches the console.
    const other = await fetch(`${url}/keys`);
    expect(other.status).toBe(201);
  });

  it("does not report a client that left as an unreachable console", async () => {
    const socket = newConsoleSocketPath();
    const slow = http.createServer(() => undefined); // never answers
    await listenOn(slow, socket);
    const url = await front(socket);
    const { setLogger, createLogger } = await import("@/lib/log");
    const { PassThrough } = await import("node:stream");
    const lines: string[] = [];
    const out = new PassThrough();
    out.on("data", (c: Buffer) => lines.push(c.toString()));
    setLogger(createLogger({ format: "json", level: "info", destination: out }));
    try {
      const ac = new AbortController();
      const pending = fetch(`${url}/slow`, { signal: ac.signal }).catch(() => null);
      await new Promise((r) => setTimeout(r, 100));
      ac.abort();
      await pending;
      await new Promise((r) => setTimeout(r, 100));
      expect(lines.join("")).not.toContain("console process unreachable");
    } finally {
      setLogger(undefined);
    }
  });
});
