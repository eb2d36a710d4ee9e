// Thin handlers for the model endpoints: parse + validate, then runModelCall. A request refused
// here (too large, bad JSON, schema) is still logged — as a usage event, by the gateway core
// (metadata only) — and never charged.
import { readJsonObject, parseWith } from "./body";
import { runModelCall, type CallInput } from "./call";
import type { GatewayContext } from "./core/context";
import type { GatewayResponse } from "./core/types";
import { chatPromptSize, embeddingsPromptSize, messagesPromptSize } from "./guard/prompt-size";
import { chatRequestSchema, embeddingsRequestSchema, messagesRequestSchema } from "./schemas";

async function parsed<T>(ctx: GatewayContext, build: (json: Record<string, unknown>) => T): Promise<T> {
  let json: Record<string, unknown> | null = null;
  try {
    json = (await readJsonObject(ctx.req)).json;
    if (typeof json.model === "string") ctx.requestedModel = json.model.slice(0, 200);
    ctx.stream = json.stream === true;
    return build(json);
  } catch (e) {
    await ctx.admitted(); // a refused admission answers instead
    throw e;
  }
}

// Body reading and validation overlap the admission round trip (routes.ts marks these routes
// overlapAdmission); runModelCall awaits admission before its first side effect.
export async function chatCompletions(ctx: GatewayContext): Promise<GatewayResponse> {
  const input = await parsed(ctx, (json): CallInput => {
    const body = parseWith(chatRequestSchema, json);
    return {
      endpoint: "chat.completions",
      clientWire: "openai",
      op: "chat",
      body: json,
      modelId: body.model,
      stream: body.stream === true,
      promptSize: chatPromptSize(json),
      requestedMax: body.max_completion_tokens ?? body.max_tokens ?? null,
      choices: body.n ?? 1,
      includeUsage: body.stream_options?.include_usage === true,
    };
  });
  return runModelCall(ctx, input);
}

export async function messages(ctx: GatewayContext): Promise<GatewayResponse> {
  const input = await parsed(ctx, (json): CallInput => {
    const body = parseWith(messagesRequestSchema, json);
    return {
      endpoint: "messages",
      clientWire: "anthropic",
      op: "chat",
      body: json,
      modelId: body.model,
      stream: body.stream === true,
      promptSize: messagesPromptSize(json),
      requestedMax: body.max_tokens,
      choices: 1,
      includeUsage: true,
    };
  });
  return runModelCall(ctx, input);
}

export async function embeddings(ctx: GatewayContext): Promise<GatewayResponse> {
  const input = await parsed(ctx, (json): CallInput => {
    const body = parseWith(embeddingsRequestSchema, json);
    return {
      endpoint: "embeddings",
      clientWire: "openai",
      op: "embeddings",
      body: json,
      modelId: body.model,
      stream: false,
      promptSize: embeddingsPromptSize(body.input),
      requestedMax: null,
      choices: 1,
      includeUsage: false,
    };
  });
  return runModelCall(ctx, input);
}
