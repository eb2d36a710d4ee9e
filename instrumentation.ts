// Next.js instrumentation hook: runs once when a server instance starts. It starts the background
// job scheduler (hold sweeper, daily credit expiry, reminders, low-balance alerts) — only in the
// Node.js runtime, never during `next build`, and not under tests unless TOLLGATE_JOBS=on (tests
// drive the jobs directly so timing never depends on a background timer).
export async function register(): Promise<void> {
  // Raw reads, before anything is imported: NEXT_RUNTIME is inlined per runtime by Next (so the
  // edge bundle drops the rest), and NEXT_PHASE is Next's own marker, set during `next build`,
  // where the runtime configuration must not be validated.
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  if (process.env.NEXT_PHASE === "phase-production-build") return;
  const { env } = await import("./lib/env");
  const e = env();
  // Traces go out over OTLP only when OTEL_EXPORTER_OTLP_ENDPOINT is set (else nothing is loaded).
  const { initTracing } = await import("./lib/tracing");
  await initTracing();
  // Logs, metrics and traces of /api/v1 when the App Router route handlers serve it.
  const { installObservability } = await import("./lib/observability");
  installObservability();
  // The embedded database is opened (and served to the CLI on its socket) at boot, not at the
  // first request: a CLI started before then would otherwise open the files itself.
  if (!e.DATABASE_URL && e.TOLLGATE_PGLITE_SOCKET === "1") {
    const { getDbHandle } = await import("./lib/db");
    await getDbHandle();
  }
  if (e.TOLLGATE_JOBS === "off") return;
  if (e.NODE_ENV === "test" && e.TOLLGATE_JOBS !== "on") return;
  const { startScheduler } = await import("./lib/jobs/scheduler");
  startScheduler();
}
