// Upstream failures → the documented client errors (never a charge in any of these cases).
import { gatewayConfig } from "./config";
import { Refusal } from "./core/refusal";
import type { UpstreamFailure } from "./upstream";

function upstreamMessage(text: string | undefined): string | null {
  if (!text) return null;
  try {
    const j = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const m = typeof j.error === "object" ? j.error?.message : typeof j.error === "string" ? j.error : j.message;
    return typeof m === "string" ? m.slice(0, 500) : null;
  } catch {
    return null;
  }
}

export function mapUpstreamFailure(f: UpstreamFailure, byok: boolean): Refusal {
  switch (f.kind) {
    case "circuit_open":
      return new Refusal("UPSTREAM_UNAVAILABLE", "The upstream provider is temporarily unavailable. Retry shortly.", { retryAfterSeconds: Math.ceil(gatewayConfig.breakerCooldownMs() / 1000) });
    case "timeout":
      return new Refusal("UPSTREAM_TIMEOUT", "The upstream provider did not respond in time. You were not charged.");
    case "connect":
    case "cut":
    case "aborted":
      return new Refusal("UPSTREAM_ERROR", "Could not get a complete response from the upstream provider. You were not charged.");
    case "status": {
      const status = f.status ?? 502;
      const detail = upstreamMessage(f.bodyText);
      if (status === 400 || status === 404 || status === 409 || status === 413 || status === 422) {
        return new Refusal("INVALID_REQUEST", `The upstream provider rejected the request${detail ? `: ${detail}` : "."}`);
      }
      if (status === 401 || status === 403) {
        return new Refusal("UPSTREAM_ERROR", byok ? "The upstream provider rejected the key in X-Provider-Key." : "The upstream provider refused the gateway's credentials.");
      }
      if (status === 429) {
        const retry = f.retryAfterMs ? Math.max(1, Math.ceil(f.retryAfterMs / 1000)) : undefined;
        return new Refusal("UPSTREAM_ERROR", "The upstream provider is rate limiting requests. You were not charged; retry later.", { retryAfterSeconds: retry });
      }
      return new Refusal("UPSTREAM_ERROR", `The upstream provider failed (HTTP ${status}). You were not charged.`);
    }
  }
}
