import { checkDb, checkLimitStore } from "@/lib/health";
import { acceptRequestId } from "@/lib/ids";

export const dynamic = "force-dynamic";

export async function GET(req: Request): Promise<Response> {
  const [db, redis] = await Promise.all([checkDb(), checkLimitStore()]);
  const status = db === "ok" && redis === "ok" ? "ok" : "degraded";
  return Response.json({ status, db, redis }, { status: status === "ok" ? 200 : 503, headers: { "Cache-Control": "no-store", "X-Request-Id": acceptRequestId(req.headers.get("x-request-id")) } });
}
