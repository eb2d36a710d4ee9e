// Shared by the contract suites: the gateway served by BOTH adapters over one database, mock and
// Next.js instance — the node:http fast lane (`npm start`) and the App Router route handlers
// (TOLLGATE_FAST_LANE=off, plain `next start`) — and a recorder of what each one answered.
import { startApp, type TestApp } from "../helpers/app";
import { startGateway, RELAXED_TIMEOUTS, type Gateway } from "./helpers";

export interface Adapters {
  gw: Gateway;
  routes: TestApp;
  /** [name, base URL of /api/v1] for describe.each. */
  list: [string, () => string][];
  close(): Promise<void>;
}

export async function startBothAdapters(env: Record<string, string> = {}): Promise<Adapters> {
  const gw = await startGateway({ ...RELAXED_TIMEOUTS, ...env }, { fastLane: true });
  const routes = await startApp({ fastLane: false });
  return {
    gw,
    routes,
    list: [],
    close: async () => {
      await routes.close();
      await gw.close();
    },
  };
}

/** Process-level failures while the suite runs (a crash in the server shows up here). */
export function watchProcess(): { uncaught: unknown[]; stop(): void } {
  const uncaught: unknown[] = [];
  const onError = (e: unknown) => uncaught.push(e);
  process.on("uncaughtException", onError);
  process.on("unhandledRejection", onError);
  return {
    uncaught,
    stop: () => {
      process.off("uncaughtException", onError);
      process.off("unhandledRejection", onError);
    },
  };
}

/** The parts of a response both adapters must agree on: status, the contract headers, the body shape. */
export interface Observed {
  status: number;
  headers: Record<string, string | null>;
  body: unknown;
}

const CONTRACT_HEADERS = ["content-type", "cache-control", "retry-after", "allow", "x-tollgate-max-tokens", "x-ratelimit-limit", "x-credit-expiring-soon"];
const PRESENT_HEADERS = ["x-request-id", "x-ratelimit-remaining", "x-ratelimit-reset", "x-credit-balance-usd"];

/** Ids, timestamps and the request id vary per call; everything else must match exactly. */
function scrub(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(scrub);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = ["id", "created", "request_id", "system_fingerprint"].includes(k) ? "<varies>" : scrub(x);
    return out;
  }
  return v;
}

export function observe(res: Response, text: string): Observed {
  const headers: Record<string, string | null> = {};
  for (const h of CONTRACT_HEADERS) headers[h] = res.headers.get(h);
  for (const h of PRESENT_HEADERS) headers[h] = res.headers.has(h) ? "<present>" : null;
  let body: unknown = text;
  const type = res.headers.get("content-type") ?? "";
  if (type.includes("json")) body = scrub(JSON.parse(text));
  else if (type.includes("event-stream")) body = text.split("\n\n").filter(Boolean).map((ev) => ev.replace(/"(id|created)":("[^"]*"|\d+)/g, '"$1":"<varies>"'));
  return { status: res.status, headers, body };
}
