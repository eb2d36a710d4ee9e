import { getDb } from "@/lib/db";
import { withApiKey } from "@/lib/gateway/http";
import { settlementsOf } from "@/lib/gateway/pending";
import { creditsBody } from "@/lib/usage";

export const dynamic = "force-dynamic";
export const GET = withApiKey(async (ctx) => {
  await settlementsOf(ctx.key.accountId); // this instance's own finished calls are booked
  const { body, balanceMicros } = await creditsBody(await getDb(), ctx.key.accountId);
  ctx.balanceMicros = balanceMicros;
  return Response.json(body, { headers: { "Cache-Control": "no-store" } });
});
