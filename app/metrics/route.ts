import { metricsResponse } from "@/lib/metrics/http";

export const dynamic = "force-dynamic";
export const GET = metricsResponse;
