import { messages } from "@/lib/gateway/handlers";
import { withApiKey } from "@/lib/gateway/http";

export const dynamic = "force-dynamic";
export const POST = withApiKey(messages, { format: "anthropic" });
