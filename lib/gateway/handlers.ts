// Thin handlers for the model endpoints: parse + validate, then runModelCall. A request refused
// here (too large, bad JSON, schema) is still logged (metadata only) and never charged.
import { readJsonObject, parseWith } from "./body";
import { recordRejected, runModelCall, type CallInput } from "./call";
import type { GatewayContext } from "./core/context";
import type { GatewayResponse } from "./core/types";
import { chatPromptBytes, embeddingsPromptBytes, messagesPromptBytes } from "./prompt";
import { chatRequestSchema, embeddingsRequestSchema, messagesRequestSchema } from "./schemas";

async function parsed<T>(ctx: GatewayContext, endpoint: CallInput["endpoint"], build: (json: Record<string, unknown>) => T): Promise<T> {
  let json: Record<string, unknown> | null = null;
  try {
    json = (await readJsonObject(ctx.req)).json;
    return build(json);
  } catch (e) {
    await ctx.admitted(); // a refused admission answers instead (and is not logged as a call)
    await recordRejected(ctx, endpoint, json, e);
    throw e;
  }
}

// Body reading and validation overlap the admission round trip (routes.ts marks these routes
// overlapAdmission); runModelCall awaits admission before its first side effect.
export async function chatCompletions(ctx: GatewayContext): Promise<GatewayResponse> {
  const input = await parsed(ctx, "chat.completions", (json): CallInput => {
    const body = parseWith(chatRequestSchema, json);
    return {
      endpoint: "chat.completions",
      clientWire: "openai",
      op: "chat",
      body: json,
      modelId: body.model,
      stream: body.stream === true,
      promptBytes: chatPromptBytes(json),
      requestedMax: body.max_completion_tokens ?? body.max_tokens ?? null,
      choices: body.n ?? 1,
      includeUsage: body.stream_options?.include_usage === true,
    };
  });
  return runModelCall(ctx, input);
}

export async function messages(ctx: GatewayContext): Promise<GatewayResponse> {
  const input = await parsed(ctx, "messages", (json): CallInput => {
    const body = parseWith(messagesRequestSchema, json);
    return {
      endpoint: "messages",
      clientWire: "anthropic",
      op: "chat",
      body: json,
      modelId: body.model,
      stream: body.stream === true,
      promptBytes: messagesPromptBytes(json),
      requestedMax: body.max_tokens,
      choices: 1,
      includeUsage: true,
    };
  });
  return runModelCall(ctx, input);
}

export async function embeddings(ctx: GatewayContext): Promise<GatewayResponse> {
  const input = await parsed(ctx, "embeddings", (json): CallInput => {
    const body = parseWith(embeddingsRequestSchema, json);
    return {
      endpoint: "embeddings",
      clientWire: "openai",
      op: "embeddings",
      body: json,
      modelId: body.model,
      stream: false,
      promptBytes: embeddingsPromptBytes(body.input),
      requestedMax: null,
      choices: 1,
      includeUsage: false,
    };
  });
  return runModelCall(ctx, input);
}
