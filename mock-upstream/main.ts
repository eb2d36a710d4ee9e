// Process entry for `npm run mock-upstream` (port MOCK_UPSTREAM_PORT, default 3999).
import { startMockUpstream } from "./server";

async function main(): Promise<void> {
  const raw = process.env.MOCK_UPSTREAM_PORT?.trim();
  const port = raw ? Number(raw) : 3999;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`MOCK_UPSTREAM_PORT must be a port number, got "${raw}"`);
    process.exit(1);
  }
  const host = process.env.MOCK_UPSTREAM_HOST?.trim() || "127.0.0.1";
  const mock = await startMockUpstream({ port, host });
  console.log(`[mock-upstream] listening on ${mock.url}`);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    mock.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`[mock-upstream] error while closing on ${signal}:`, err);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((err: unknown) => {
  console.error("[mock-upstream] failed to start:", err instanceof Error ? err.message : err);
  process.exit(1);
});
