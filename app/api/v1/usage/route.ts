import { withApiKey } from "@/lib/gateway/http";
import { usage } from "@/lib/gateway/info";

export const dynamic = "force-dynamic";
export const GET = withApiKey(usage);
