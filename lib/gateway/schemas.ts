// What the gateway itself must understand of each request body. Objects are loose: every other
// field passes through to the provider untouched.
import { z } from "zod";

const maxTokens = z.number().int().min(1).max(10_000_000).nullish();

export const chatRequestSchema = z.looseObject({
  model: z.string().min(1).max(200),
  messages: z.array(z.looseObject({ role: z.string().min(1) })).min(1),
  max_tokens: maxTokens,
  max_completion_tokens: maxTokens,
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  n: z.number().int().min(1).max(128).nullish(),
});
export type ChatRequest = z.infer<typeof chatRequestSchema>;

export const messagesRequestSchema = z.looseObject({
  model: z.string().min(1).max(200),
  messages: z.array(z.looseObject({ role: z.string().min(1) })).min(1),
  max_tokens: z.number().int().min(1).max(10_000_000),
  system: z.union([z.string(), z.array(z.unknown())]).nullish(),
  stream: z.boolean().nullish(),
});
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

export const embeddingsRequestSchema = z.looseObject({
  model: z.string().min(1).max(200),
  input: z.union([
    z.string(),
    z.array(z.string()).min(1).max(2048),
    z.array(z.number().int()).min(1),
    z.array(z.array(z.number().int()).min(1)).min(1).max(2048),
  ]),
});
export type EmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;

export const usageQuerySchema = z.object({
  days: z.coerce.number().int().min(1).max(90).default(30),
});

export const requestIdParamSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);
