import { withApiKey } from "@/lib/gateway/http";
import { listModels, wantsAnthropic } from "@/lib/gateway/info";

export const dynamic = "force-dynamic";
export const GET = withApiKey(listModels, { format: (req) => (wantsAnthropic(req) ? "anthropic" : "openai") });
