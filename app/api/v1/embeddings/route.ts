import { embeddings } from "@/lib/gateway/handlers";
import { withApiKey } from "@/lib/gateway/http";

export const dynamic = "force-dynamic";
export const POST = withApiKey(embeddings, { format: "openai" });
