// The framework floor for `npm run bench`: a route handler that does nothing but answer a tiny JSON
// body, so the benchmark can tell Next.js's own per-request cost from the gateway's.
export const dynamic = "force-dynamic";

export function GET(): Response {
  return Response.json({ ok: true });
}

export function POST(): Response {
  return Response.json({ ok: true });
}
