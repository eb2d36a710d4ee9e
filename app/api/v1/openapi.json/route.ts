// /api/v1 through the App Router: a thin adapter over the gateway core (lib/gateway), which
// serves the OpenAPI document among its routes (lib/gateway/routes.ts).
import { appRouteHandlers } from "@/lib/gateway/adapters/web";

export const dynamic = "force-dynamic";
export const { GET, POST, PUT, PATCH, DELETE, OPTIONS } = appRouteHandlers;
