// The framework floor for `npm run bench` (INFO): an App Router route that does nothing but answer
// a tiny JSON body, so the bench can show Next.js's own per-request cost.
//
// Bench-only, twice over. The `.bench.ts` extension keeps it out of every build but the bench's
// (next.config.ts adds that page extension only when TOLLGATE_BENCH_BUILD=1), and even in that
// build it answers only when the bench started the server (TOLLGATE_BENCH_ROUTES=1), so a bench
// build deployed by mistake still serves nothing here.
import { env } from "@/lib/env";

export const dynamic = "force-dynamic";

function noop(): Response {
  if (env().TOLLGATE_BENCH_ROUTES !== "1") return new Response(null, { status: 404 });
  return Response.json({ ok: true });
}

export const GET = noop;
export const POST = noop;
