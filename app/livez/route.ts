import { livezResponse } from "@/lib/health";

export const dynamic = "force-dynamic";
export const GET = livezResponse;
