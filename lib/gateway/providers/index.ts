// Where a model's calls go. Three providers: any OpenAI-compatible API (OPENAI_API_KEY /
// OPENAI_BASE_URL), Anthropic (ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL) and the built-in mock,
// which speaks both wire formats. With BYOK (X-Provider-Key) the caller's key is used instead.
import { AppError } from "@/lib/errors";
import { mockUpstreamUrl } from "@/lib/env";
import type { ModelRow } from "@/lib/models";
import type { UpstreamTarget } from "../upstream";

export type Wire = "openai" | "anthropic";
export type Operation = "chat" | "embeddings";

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

export function resolveTarget(model: ModelRow, op: Operation, wire: Wire, clientHeaders: Headers, byokKey: string | null): ResolvedTarget {
  const unavailable = () => new AppError("MODEL_NOT_FOUND", `The model '${model.id}' is not available on this gateway (its provider is not configured). Bring your own key with X-Provider-Key to use it.`, { param: "model" });
  if (model.provider === "mock") {
    const base = `${trimSlash(mockUpstreamUrl())}/v1`;
    const key = byokKey ?? "tollgate-mock";
    if (op === "embeddings") return { breaker: "mock", wire: "openai", url: `${base}/embeddings`, headers: { authorization: `Bearer ${key}` } };
    if (wire === "anthropic") return { breaker: "mock", wire, url: `${base}/messages`, headers: { "x-api-key": key, "anthropic-version": ANTHROPIC_VERSION } };
    return { breaker: "mock", wire, url: `${base}/chat/completions`, headers: { authorization: `Bearer ${key}` } };
  }
  if (model.provider === "openai") {
    const key = byokKey ?? process.env.OPENAI_API_KEY;
    if (!key) throw unavailable();
    const base = trimSlash(process.env.OPENAI_BASE_URL || "https://api.openai.com/v1");
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    const org = clientHeaders.get("openai-organization");
    if (org && byokKey) headers["openai-organization"] = org;
    return { breaker: "openai", wire: "openai", url: `${base}/${op === "embeddings" ? "embeddings" : "chat/completions"}`, headers };
  }
  const key = byokKey ?? process.env.ANTHROPIC_API_KEY;
  if (!key) throw unavailable();
  if (op === "embeddings") throw new AppError("INVALID_REQUEST", `The model '${model.id}' does not support embeddings.`, { param: "model" });
  const base = trimSlash(process.env.ANTHROPIC_BASE_URL || "https://api.anthropic.com");
  const headers: Record<string, string> = { "x-api-key": key, "anthropic-version": clientHeaders.get("anthropic-version") || ANTHROPIC_VERSION };
  const beta = clientHeaders.get("anthropic-beta");
  if (beta) headers["anthropic-beta"] = beta;
  return { breaker: "anthropic", wire: "anthropic", url: `${base}/v1/messages`, headers };
}
