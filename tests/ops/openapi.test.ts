import fs from "node:fs";
import path from "node:path";
import SwaggerParser from "@apidevtools/swagger-parser";
import { expect, it } from "vitest";
import { buildOpenApiDocument } from "@/lib/openapi/document";

type Doc = { openapi: string; paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown>; requestBody?: unknown }>> };

/** Every route.ts under app/api/v1 as an OpenAPI path (`[id]` → `{id}`), catch-alls excluded. */
function routesOnDisk(): string[] {
  const root = path.join(process.cwd(), "app", "api", "v1");
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === "route.ts") {
        const rel = path.relative(root, dir).split(path.sep).join("/");
        if (rel.includes("[...")) continue;
        found.push(`/api/v1/${rel}`.replace(/\[(\w+)\]/g, "{$1}"));
      }
    }
  };
  walk(root);
  return found.sort();
}

it("is a valid OpenAPI 3.1 document", async () => {
  const doc = buildOpenApiDocument();
  expect(doc.openapi).toBe("3.1.0");
  // validate() dereferences in place: give it a copy.
  await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
});

it("documents every /api/v1 route that exists", () => {
  const doc = buildOpenApiDocument() as unknown as Doc;
  expect(Object.keys(doc.paths).sort()).toEqual(routesOnDisk());
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
