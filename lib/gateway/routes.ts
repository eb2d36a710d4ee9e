// The /api/v1 surface: one table, served by the core whatever the transport.
import { createGateway, type Gateway, type GatewayOptions, type Route } from "./core/gateway";
import { chatCompletions, embeddings, messages } from "./handlers";
import { openApiJson } from "@/lib/openapi/document";
import { health } from "./health";
import { creditTransactions, credits, listModels, listRequests, modelDetail, requestDetail, usage, wantsAnthropic } from "./info";

export const ROUTES: Route[] = [
  { name: "chat.completions", method: "POST", pattern: /^\/chat\/completions$/, format: "openai", overlapAdmission: true, handler: chatCompletions },
  { name: "messages", method: "POST", pattern: /^\/messages$/, format: "anthropic", overlapAdmission: true, handler: messages },
  { name: "embeddings", method: "POST", pattern: /^\/embeddings$/, format: "openai", overlapAdmission: true, handler: embeddings },
  { name: "models", method: "GET", pattern: /^\/models$/, format: (req) => (wantsAnthropic(req) ? "anthropic" : "openai"), handler: listModels },
  { name: "models.detail", method: "GET", pattern: /^\/models\/([^/]+)$/, paramNames: ["id"], format: (req) => (wantsAnthropic(req) ? "anthropic" : "openai"), handler: modelDetail },
  { name: "credits", method: "GET", pattern: /^\/credits$/, format: "openai", handler: credits },
  { name: "credits.transactions", method: "GET", pattern: /^\/credits\/transactions$/, format: "openai", handler: creditTransactions },
  { name: "usage", method: "GET", pattern: /^\/usage$/, format: "openai", handler: usage },
  { name: "requests", method: "GET", pattern: /^\/requests$/, format: "openai", handler: listRequests },
  { name: "requests.detail", method: "GET", pattern: /^\/requests\/([^/]+)$/, paramNames: ["id"], format: "openai", handler: requestDetail },
  { name: "health", method: "GET", pattern: /^\/health$/, format: "openai", public: (_req, requestId) => health(requestId) },
  {
    name: "openapi",
    method: "GET",
    pattern: /^\/openapi\.json$/,
    format: "openai",
    public: async () => ({
      status: 200,
      headers: { "Content-Type": "application/json", "Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*" },
      body: new TextEncoder().encode(openApiJson()),
    }),
  },
];

/** The gateway with the standard routes (observers from addGatewayObserver apply as well). */
export function apiGateway(opts: Omit<GatewayOptions, "routes"> = {}): Gateway {
  return createGateway({ ...opts, routes: ROUTES });
}

let instance: Gateway | undefined;
/** The gateway both transports use by default (stateless: process-wide state lives in lib). */
export function defaultGateway(): Gateway {
  return (instance ??= apiGateway());
}
