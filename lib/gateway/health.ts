// GET /api/v1/health: the database and the rate-limit store, each checked with a short timeout
// (lib/health; /livez and /readyz are the orchestrator's endpoints).
import { checkDb, checkLimitStore } from "@/lib/health";
import { jsonResponse, type GatewayResponse } from "./core/types";

export async function health(requestId: string): Promise<GatewayResponse> {
  const [db, redis] = await Promise.all([checkDb(), checkLimitStore()]);
  const status = db === "ok" && redis === "ok" ? "ok" : "degraded";
  return jsonResponse(status === "ok" ? 200 : 503, { status, db, redis }, { "X-Request-Id": requestId });
}
