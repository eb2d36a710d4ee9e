// What a call on the OPERATOR's provider key may ask for. Tollgate charges table prices (input,
// output, cached input); a request field or header that makes the provider bill something else —
// a priority tier, server-side tools, audio output, beta features — would be paid by the operator
// at a price Tollgate never charged. On the platform key such requests are refused with a 400
// naming the field; with the caller's own key (X-Provider-Key, BYOK) everything passes, since the
// caller pays the provider directly. One list per provider API, here and only here.
import { Refusal } from "../core/refusal";

/** true = allowed as sent; a function = allowed when it returns null, else the reason it is not. */
type Rule = true | ((value: unknown) => string | null);

interface ProviderPolicy {
  /** Shown in messages. */
  name: string;
  fields: Record<string, Rule>;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

const only =
  (...allowed: unknown[]): Rule =>
  (v) =>
    v === null || v === undefined || allowed.includes(v) ? null : `only ${allowed.map((a) => JSON.stringify(a)).join(" or ")} is priced`;

/** Tools the CLIENT runs (the model only emits calls): billed as ordinary tokens. */
const clientTools =
  (kinds: (string | undefined)[]): Rule =>
  (v) => {
    if (v === null || v === undefined) return null;
    if (!Array.isArray(v)) return null; // the provider rejects it; nothing to price
    for (const t of v) {
      const type = isObj(t) && typeof t.type === "string" ? t.type : undefined;
      if (!kinds.includes(type)) return `tool type ${JSON.stringify(type ?? null)} runs on the provider and is billed separately`;
    }
    return null;
  };

/** OpenAI Chat Completions (also the mock's OpenAI dialect). */
const OPENAI_CHAT: ProviderPolicy = {
  name: "OpenAI chat completions",
  fields: {
    model: true,
    messages: true,
    max_tokens: true,
    max_completion_tokens: true,
    n: true,
    stream: true,
    stream_options: true,
    temperature: true,
    top_p: true,
    stop: true,
    presence_penalty: true,
    frequency_penalty: true,
    logit_bias: true,
    logprobs: true,
    top_logprobs: true,
    seed: true,
    user: true,
    safety_identifier: true,
    prompt_cache_key: true,
    // Reasoning tokens are output tokens, bounded by max_completion_tokens.
    reasoning_effort: true,
    verbosity: true,
    response_format: true,
    tools: clientTools(["function", "custom"]),
    tool_choice: true,
    parallel_tool_calls: true,
    functions: true,
    function_call: true,
    // Priority and flex tiers bill at other prices.
    service_tier: only("default"),
    // Audio output is priced per audio token.
    modalities: (v) => (v === null || v === undefined || (Array.isArray(v) && v.every((m) => m === "text")) ? null : "only text output is priced"),
    // Stored completions keep the caller's data in the operator's provider account.
    store: only(false),
    metadata: true,
    // Not listed (refused): audio, prediction (rejected prediction tokens are billed beyond
    // max_completion_tokens), web_search_options (a per-call search fee), and anything new.
  },
};

const OPENAI_EMBEDDINGS: ProviderPolicy = {
  name: "OpenAI embeddings",
  fields: { model: true, input: true, encoding_format: true, dimensions: true, user: true },
};

/** Anthropic Messages (also the mock's Anthropic dialect). */
const ANTHROPIC_MESSAGES: ProviderPolicy = {
  name: "Anthropic messages",
  fields: {
    model: true,
    messages: true,
    max_tokens: true,
    system: true,
    metadata: true,
    stop_sequences: true,
    stream: true,
    temperature: true,
    top_k: true,
    top_p: true,
    // Thinking tokens are output tokens, bounded by max_tokens.
    thinking: true,
    // Server tools (web search, web fetch, code execution, ...) carry their own fees; the
    // Anthropic-defined client tools (bash, text editor, computer use) add unpriced system tokens.
    tools: clientTools([undefined, "custom"]),
    tool_choice: true,
    // "auto" may run on Priority Tier capacity, billed at other prices.
    service_tier: only("standard_only"),
    // Not listed (refused): container, mcp_servers, context_management, and anything new.
  },
};

/** Client headers that switch on provider features Tollgate does not price. */
const PRICED_ELSEWHERE_HEADERS = ["anthropic-beta", "openai-beta"];

export type ProviderApi = "openai-chat" | "openai-embeddings" | "anthropic-messages";

const POLICIES: Record<ProviderApi, ProviderPolicy> = {
  "openai-chat": OPENAI_CHAT,
  "openai-embeddings": OPENAI_EMBEDDINGS,
  "anthropic-messages": ANTHROPIC_MESSAGES,
};

function refuse(what: string, why: string, param: string): Refusal {
  return new Refusal(
    "INVALID_REQUEST",
    `${what} is not available with the gateway's provider key (${why}). Send your own provider key in X-Provider-Key to use it.`,
    { param },
  );
}

/**
 * Refuses (400) a platform-key request that uses a field or header Tollgate does not price.
 * `api` is the dialect of `body` (what the client sent); BYOK calls must not be checked.
 */
export function assertPlatformAllowed(api: ProviderApi, body: Record<string, unknown>, header: (name: string) => string | null | undefined): void {
  for (const h of PRICED_ELSEWHERE_HEADERS) {
    const v = header(h);
    if (v !== null && v !== undefined && v.trim() !== "") throw refuse(`The ${h} header`, "beta features are billed at prices Tollgate does not charge", h);
  }
  const policy = POLICIES[api];
  for (const [field, value] of Object.entries(body)) {
    const rule = policy.fields[field];
    if (rule === undefined) throw refuse(`The field '${field}'`, `Tollgate does not price it for ${policy.name}`, field);
    if (rule !== true) {
      const why = rule(value);
      if (why) throw refuse(`The value of '${field}'`, why, field);
    }
  }
}
