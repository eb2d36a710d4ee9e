// The console process (lib/server/console.ts): Next.js alone — pages, auth, server actions,
// webhooks — on the Unix socket TOLLGATE_CONSOLE_SOCKET, behind the gateway's front server.
// Started and restarted by that server, never by hand. SIGTERM drains it like the front.
import http from "node:http";
import { closeDb } from "@/lib/db";
import { env } from "@/lib/env";
import { errFields, log } from "@/lib/log";
import { prepareNext, requestListener } from "@/lib/server";
import { drain, drainable } from "@/lib/server/drain";
import { initTracing, shutdownTracing } from "@/lib/tracing";

async function main(): Promise<void> {
  const e = env();
  const socketPath = e.TOLLGATE_CONSOLE_SOCKET;
  if (!socketPath) throw new Error("TOLLGATE_CONSOLE_SOCKET is not set: this process is started by scripts/server.ts");
  await initTracing();
  const app = await prepareNext({ port: e.PORT });
  const tracked = drainable(requestListener({ next: app, fastLane: false }));
  const server = http.createServer(tracked.listener);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => resolve());
  });
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    const close = async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await app.close();
      await shutdownTracing();
      await closeDb();
    };
    void drain(tracked, { timeoutMs: e.TOLLGATE_DRAIN_TIMEOUT_MS, cutConnections: () => server.closeAllConnections(), close })
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        log("console").error(errFields(err), "drain failed");
        process.exit(1);
      });
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", () => undefined); // the front forwards Ctrl-C as SIGTERM, in order
  // The front went away without stopping us (killed): do not linger as an orphan.
  process.on("disconnect", stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`[tollgate] console process failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
