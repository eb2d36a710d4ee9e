// Next.js instrumentation hook: runs once when a server instance starts. It starts the background
// job scheduler (hold sweeper, daily credit expiry, reminders, low-balance alerts) — only in the
// Node.js runtime, never during `next build`, and not under tests unless TOLLGATE_JOBS=on (tests
// drive the jobs directly so timing never depends on a background timer).
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  // Traces go out over OTLP only when OTEL_EXPORTER_OTLP_ENDPOINT is set (else nothing is loaded).
  const { initTracing } = await import("./lib/tracing");
  await initTracing();
  // Logs, metrics and traces of /api/v1 when the App Router route handlers serve it.
  const { installObservability } = await import("./lib/observability");
  installObservability();
  // The embedded database is opened (and served to the CLI on its socket) at boot, not at the
  // first request: a CLI started before then would otherwise open the files itself.
  if (!process.env.DATABASE_URL && process.env.TOLLGATE_PGLITE_SOCKET === "1") {
    const { getDbHandle } = await import("./lib/db");
    await getDbHandle();
  }
  const setting = (process.env.TOLLGATE_JOBS ?? "").toLowerCase();
  if (setting === "off" || setting === "0" || setting === "false") return;
  if (process.env.NODE_ENV === "test" && setting !== "on") return;
  const { startScheduler } = await import("./lib/jobs/scheduler");
  startScheduler();
}
