// Where a model's calls go. Three providers: any OpenAI-compatible API (OPENAI_API_KEY /
// OPENAI_BASE_URL), Anthropic (ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL) and the built-in mock,
// which speaks both wire formats. With BYOK (X-Provider-Key) the caller's key is used instead.
import { env, mockUpstreamUrl } from "@/lib/env";
import type { ModelRow } from "@/lib/models";
import { Refusal } from "../core/refusal";
import { header, type HeaderBag } from "../core/types";
import type { UpstreamTarget } from "../upstream";
import type { Operation, Wire } from "./wire";

export type { Operation, Wire } from "./wire";

export interface ResolvedTarget extends UpstreamTarget {
  /** The wire format the upstream speaks for this call. */
  wire: Wire;
}

const ANTHROPIC_VERSION = "2023-06-01";

function trimSlash(u: string): string {
  return u.replace(/\/+$/, "");
}

/** The wire a provider speaks natively for chat; the mock speaks whichever the client used. */
export function nativeWire(model: ModelRow, clientWire: Wire): Wire {
  if (model.provider === "mock") return clientWire;
  return model.provider === "anthropic" ? "anthropic" : "openai";
}

export function resolveTarget(model: ModelRow, op: Operation, wire: Wire, clientHeaders: HeaderBag, byokKey: string | null): ResolvedTarget {
  const unavailable = () => new Refusal("MODEL_NOT_FOUND", `The model '${model.id}' is not available on this gateway (its provider is not configured). Bring your own key with X-Provider-Key to use it.`, { param: "model" });
  if (model.provider === "mock") {
    const base = `${trimSlash(mockUpstreamUrl())}/v1`;
    const key = byokKey ?? "tollgate-mock";
    if (op === "embeddings") return { breaker: "mock", wire: "openai", url: `${base}/embeddings`, headers: { authorization: `Bearer ${key}` } };
    if (wire === "anthropic") return { breaker: "mock", wire, url: `${base}/messages`, headers: { "x-api-key": key, "anthropic-version": ANTHROPIC_VERSION } };
    return { breaker: "mock", wire, url: `${base}/chat/completions`, headers: { authorization: `Bearer ${key}` } };
  }
  if (model.provider === "openai") {
    const key = byokKey ?? env().OPENAI_API_KEY;
    if (!key) throw unavailable();
    const base = trimSlash(env().OPENAI_BASE_URL || "https://api.openai.com/v1");
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    const org = header(clientHeaders, "openai-organization");
    if (org && byokKey) headers["openai-organization"] = org;
    return { breaker: "openai", wire: "openai", url: `${base}/${op === "embeddings" ? "embeddings" : "chat/completions"}`, headers };
  }
  const key = byokKey ?? env().ANTHROPIC_API_KEY;
  if (!key) throw unavailable();
  if (op === "embeddings") throw new Refusal("INVALID_REQUEST", `The model '${model.id}' does not support embeddings.`, { param: "model" });
  const base = trimSlash(env().ANTHROPIC_BASE_URL || "https://api.anthropic.com");
  const headers: Record<string, string> = { "x-api-key": key, "anthropic-version": header(clientHeaders, "anthropic-version") || ANTHROPIC_VERSION };
  const beta = header(clientHeaders, "anthropic-beta");
  if (beta) headers["anthropic-beta"] = beta;
  return { breaker: "anthropic", wire: "anthropic", url: `${base}/v1/messages`, headers };
}
