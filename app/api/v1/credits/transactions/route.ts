import { getDb } from "@/lib/db";
import { withApiKey } from "@/lib/gateway/http";
import { settlementsOf } from "@/lib/gateway/pending";
import { transactionsBody } from "@/lib/usage";

export const dynamic = "force-dynamic";
export const GET = withApiKey(async (ctx) => {
  await settlementsOf(ctx.key.accountId);
  const body = await transactionsBody(await getDb(), ctx.key.accountId, new URL(ctx.req.url).searchParams);
  return Response.json(body, { headers: { "Cache-Control": "no-store" } });
});
