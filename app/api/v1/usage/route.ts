import { getDb } from "@/lib/db";
import { withApiKey } from "@/lib/gateway/http";
import { settlementsOf } from "@/lib/gateway/pending";
import { usageBody } from "@/lib/usage";
import { flushUsageEvents } from "@/lib/usage/events";

export const dynamic = "force-dynamic";
export const GET = withApiKey(async (ctx) => {
  await Promise.all([settlementsOf(ctx.key.accountId), flushUsageEvents()]); // this instance's own calls are in
  const body = await usageBody(await getDb(), ctx.key.accountId, new URL(ctx.req.url).searchParams);
  return Response.json(body, { headers: { "Cache-Control": "no-store" } });
});
