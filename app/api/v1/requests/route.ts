// /api/v1 through the App Router: a thin adapter over the gateway core (lib/gateway), which
// routes by path and method itself. `npm start` serves the same paths through the node:http fast
// lane instead (TOLLGATE_FAST_LANE=off sends them here).
import { appRouteHandlers } from "@/lib/gateway/adapters/web";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, PATCH, DELETE, OPTIONS } = appRouteHandlers;
