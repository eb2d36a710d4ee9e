// CPU time per request, per process group (Next.js server, mock upstream, PostgreSQL backends of
// the bench database, the load generator itself). Unlike latency, CPU time barely depends on
// what else runs on the machine, so it says where the time goes even on a busy box. Linux only
// (/proc); elsewhere the numbers are simply absent.
import fs from "node:fs";
import pg from "pg";

const CLOCK_TICKS_PER_S = 100; // USER_HZ; 100 on every mainstream Linux

/** utime + stime of a process in ms, or null when it is gone / not on Linux. */
export function procCpuMs(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After "pid (comm) ", field 3 (state) is index 0, so utime (14) is 11 and stime (15) is 12.
    return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S) * 1000;
  } catch {
    return null;
  }
}

/** Processes whose parent is `pid` (the server's cluster workers and its console process). */
function childrenOf(pid: number): { pid: number; cmdline: string }[] {
  const out: { pid: number; cmdline: string }[] = [];
  let entries: string[];
  try {
    entries = fs.readdirSync("/proc");
  } catch {
    return out;
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push({ pid: Number(name), cmdline: fs.readFileSync(`/proc/${name}/cmdline`, "utf8").replace(/\0/g, " ") });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The console process `npm start` runs beside the gateway (lib/server/console.ts), if any. */
export function consolePid(serverPid: number | undefined): number | undefined {
  return serverPid ? childrenOf(serverPid).find((c) => c.cmdline.includes("console-server"))?.pid : undefined;
}

/** Busy CPU time of the whole machine in ms (every process, kernel and interrupts included). */
export function machineCpuMs(): number | null {
  try {
    const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0];
    // cpu user nice system idle iowait irq softirq steal …: busy = all but idle and iowait.
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = f.reduce((a, b) => a + b, 0) - f[3] - (f[4] ?? 0);
    return (busy / CLOCK_TICKS_PER_S) * 1000;
  } catch {
    return null;
  }
}

export interface CpuSnapshot {
  /** The gateway: the server process and its cluster workers (not its console process). */
  server: number | null;
  /** The console process (Next.js), when it runs apart from the gateway. */
  console: number | null;
  /** The peer gateway (Portkey). */
  peer: number | null;
  /** The route-handler server (TOLLGATE_FAST_LANE=off). */
  routes: number | null;
  mock: number | null;
  postgres: number | null;
  redis: number | null;
  loadgen: number;
  /** Every process on the machine: what the columns above miss (WAL writer, checkpointer, kernel). */
  machine: number | null;
}

export const EMPTY_CPU: CpuSnapshot = { server: 0, console: 0, peer: 0, routes: 0, mock: 0, postgres: 0, redis: 0, loadgen: 0, machine: 0 };

export interface CpuSampler {
  snapshot(): Promise<CpuSnapshot>;
  close(): Promise<void>;
}

export async function cpuSampler(opts: { serverPid?: number; mockPid?: number; peerPid?: number; routesPid?: number; redisPid?: number; databaseUrl?: string }): Promise<CpuSampler> {
  let client: pg.Client | null = null;
  let dbName: string | null = null;
  if (opts.databaseUrl && fs.existsSync("/proc/self/stat")) {
    client = new pg.Client({ connectionString: opts.databaseUrl });
    await client.connect();
    dbName = decodeURIComponent(new URL(opts.databaseUrl).pathname.slice(1));
  }
  const backendCpu = new Map<number, number>();
  const workerCpu = new Map<number, number>();
  const consoleId = consolePid(opts.serverPid);

  return {
    async snapshot() {
      let postgres: number | null = null;
      if (client) {
        const r = await client.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [dbName]);
        // Backends come and go with the pool; remember the last reading of each so one that
        // exits still counts up to the moment it was last seen.
        for (const { pid } of r.rows) {
          const ms = procCpuMs(pid);
          if (ms !== null) backendCpu.set(pid, ms);
        }
        postgres = [...backendCpu.values()].reduce((a, b) => a + b, 0);
      }
      let server = procCpuMs(opts.serverPid);
      if (server !== null && opts.serverPid) {
        for (const c of childrenOf(opts.serverPid)) {
          if (c.pid === consoleId || !c.cmdline.includes("server.ts")) continue;
          const ms = procCpuMs(c.pid);
          if (ms !== null) workerCpu.set(c.pid, ms);
        }
        server += [...workerCpu.values()].reduce((a, b) => a + b, 0);
      }
      const self = process.cpuUsage();
      return {
        server,
        console: consoleId ? procCpuMs(consoleId) : null,
        peer: procCpuMs(opts.peerPid),
        routes: procCpuMs(opts.routesPid),
        mock: procCpuMs(opts.mockPid),
        postgres,
        redis: procCpuMs(opts.redisPid),
        loadgen: (self.user + self.system) / 1000,
        machine: machineCpuMs(),
      };
    },
    async close() {
      const c = client;
      client = null;
      await c?.end();
    },
  };
}

export type CpuPerRequest = Partial<Record<keyof CpuSnapshot, number>>;

export function cpuPerRequest(a: CpuSnapshot, b: CpuSnapshot, requests: number): CpuPerRequest {
  const out: CpuPerRequest = {};
  const n = Math.max(1, requests);
  for (const k of ["server", "console", "peer", "routes", "mock", "postgres", "redis", "loadgen", "machine"] as const) {
    const x = a[k];
    const y = b[k];
    if (x !== null && y !== null) out[k] = Math.round(((y - x) / n) * 1000) / 1000;
  }
  return out;
}
