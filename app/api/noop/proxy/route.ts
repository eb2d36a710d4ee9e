// A second floor for `npm run bench` (informative, not a target): the least a Next.js route can
// do to proxy a chat call — read and parse the JSON body, forward it to the mock upstream over a
// keep-alive agent, read and parse the answer, return it. No key, limit, hold, settlement or log.
// Tollgate's throughput against this floor says how much the gateway's own work costs, apart from
// what any proxy written as a route handler pays. Off unless the bench turns it on.
import http from "node:http";

export const dynamic = "force-dynamic";

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function forward(body: string): Promise<Buffer> {
  const upstream = new URL("/v1/chat/completions", process.env.MOCK_UPSTREAM_URL);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: upstream.pathname,
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), authorization: "Bearer bench" },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("end", () => resolve(Buffer.concat(parts)));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export async function POST(req: Request): Promise<Response> {
  if (process.env.TOLLGATE_BENCH_ROUTES !== "1" || !process.env.MOCK_UPSTREAM_URL) return new Response(null, { status: 404 });
  const json = JSON.parse(await req.text()) as Record<string, unknown>;
  const raw = await forward(JSON.stringify(json));
  JSON.parse(raw.toString("utf8"));
  return new Response(new Uint8Array(raw), { status: 200, headers: { "Content-Type": "application/json", "Content-Length": String(raw.length) } });
}
