// The framework floor for `npm run bench` (INFO): an App Router route that does nothing but answer
// a tiny JSON body, so the bench can show Next.js's own per-request cost. It answers only when
// the bench started the server (TOLLGATE_BENCH_ROUTES=1); everywhere else it is a 404.
import { env } from "@/lib/env";

export const dynamic = "force-dynamic";

function noop(): Response {
  if (env().TOLLGATE_BENCH_ROUTES !== "1") return new Response(null, { status: 404 });
  return Response.json({ ok: true });
}

export const GET = noop;
export const POST = noop;
