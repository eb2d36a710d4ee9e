import { withApiKey } from "@/lib/gateway/http";
import { wantsAnthropic } from "@/lib/gateway/info";
import { listServedModels } from "@/lib/models";
import { modelsListBody } from "@/lib/models/api";

export const dynamic = "force-dynamic";
export const GET = withApiKey(
  async (ctx) => Response.json(modelsListBody(await listServedModels(), wantsAnthropic(ctx.req)), { headers: { "Cache-Control": "no-store" } }),
  { format: (req) => (wantsAnthropic(req) ? "anthropic" : "openai") },
);
