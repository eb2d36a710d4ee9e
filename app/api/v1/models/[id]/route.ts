import { AppError } from "@/lib/errors";
import { withApiKey } from "@/lib/gateway/http";
import { wantsAnthropic } from "@/lib/gateway/info";
import { findServedModel } from "@/lib/models";
import { anthropicModel, openaiModel } from "@/lib/models/api";

export const dynamic = "force-dynamic";
export const GET = withApiKey<{ params: Promise<{ id: string }> }>(
  async (ctx, { params }) => {
    const id = decodeURIComponent((await params).id);
    const m = id.length <= 100 ? await findServedModel(id) : undefined;
    if (!m) throw new AppError("MODEL_NOT_FOUND", `The model '${id.slice(0, 100)}' does not exist or is not available.`, { param: "model" });
    const now = new Date();
    return Response.json(wantsAnthropic(ctx.req) ? anthropicModel(m, now) : openaiModel(m, now), { headers: { "Cache-Control": "no-store" } });
  },
  { format: (req) => (wantsAnthropic(req) ? "anthropic" : "openai") },
);
