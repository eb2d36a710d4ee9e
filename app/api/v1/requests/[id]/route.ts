import { withApiKey } from "@/lib/gateway/http";
import { requestDetail } from "@/lib/gateway/info";

export const dynamic = "force-dynamic";
export const GET = withApiKey<{ params: Promise<{ id: string }> }>(async (ctx, { params }) => requestDetail(ctx, (await params).id));
