import SwaggerParser from "@apidevtools/swagger-parser";
import { expect, it } from "vitest";
import { ROUTES } from "@/lib/gateway/routes";
import { buildOpenApiDocument } from "@/lib/openapi/document";

type Doc = { openapi: string; paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown>; requestBody?: unknown }>> };

/** Every route the gateway serves (lib/gateway/routes.ts), as OpenAPI "METHOD path". */
function servedRoutes(): string[] {
  return ROUTES.map((r) => {
    let i = 0;
    const path = r.pattern.source
      .replace(/^\^/, "")
      .replace(/\$$/, "")
      .replace(/\([^)]*\)/g, () => `{${r.paramNames?.[i++] ?? "param"}}`)
      .replace(/\\/g, "");
    return `${r.method.toLowerCase()} /api/v1${path}`;
  }).sort();
}

it("is a valid OpenAPI 3.1 document", async () => {
  const doc = buildOpenApiDocument();
  expect(doc.openapi).toBe("3.1.0");
  // validate() dereferences in place: give it a copy.
  await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
});

it("documents every /api/v1 route the gateway serves, and only those", () => {
  const doc = buildOpenApiDocument() as unknown as Doc;
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
  expect(documented.sort()).toEqual(servedRoutes());
});

it("uses the gateway's own request schemas, auth and error semantics", () => {
  const doc = buildOpenApiDocument() as unknown as Doc;
  const chat = doc.paths["/api/v1/chat/completions"].post;
  const body = JSON.stringify(chat.requestBody);
  // Fields and limits of lib/gateway/schemas.ts, not a hand-written copy.
  expect(body).toContain('"max_completion_tokens"');
  expect(body).toContain('"maximum":128');
  expect(chat.security).toEqual([{ bearerAuth: [] }, { apiKeyHeader: [] }]);
  expect(Object.keys(chat.responses)).toEqual(expect.arrayContaining(["200", "402", "429"]));
  const text = JSON.stringify(chat.responses);
  expect(text).toContain("X-RateLimit-Remaining");
  expect(text).toContain("X-Credit-Balance-Usd");
  expect(text).toContain("Retry-After");
  expect(JSON.stringify(doc.paths["/api/v1/messages"].post.responses["402"])).toContain("AnthropicError");
  expect(doc.paths["/api/v1/health"].get.security).toEqual([]);
});
