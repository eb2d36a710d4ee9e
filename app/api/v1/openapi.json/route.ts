import { openApiJson } from "@/lib/openapi/document";

export const dynamic = "force-dynamic";

export function GET(): Response {
  return new Response(openApiJson(), { headers: { "Content-Type": "application/json", "Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*" } });
}
