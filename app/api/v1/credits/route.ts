import { withApiKey } from "@/lib/gateway/http";
import { credits } from "@/lib/gateway/info";

export const dynamic = "force-dynamic";
export const GET = withApiKey(credits);
