// Model lifecycle on the wire: a deprecated model still serves, announcing its retirement with
// `Deprecation` (RFC 9745), `Sunset` (RFC 8594) and a successor link; after the sunset a call
// is refused with 410 MODEL_SUNSET before anything is held or charged.
import type { models } from "@/db/schema";
import { AppError } from "@/lib/errors";

type Lifecycle = Pick<typeof models.$inferSelect, "id" | "deprecatedAt" | "sunsetAt" | "replacementId">;

export type LifecycleState = "active" | "deprecated" | "sunset";

export function lifecycleState(m: Lifecycle, now: Date = new Date()): LifecycleState {
  if (!m.deprecatedAt || !m.sunsetAt) return "active";
  return now.getTime() >= m.sunsetAt.getTime() ? "sunset" : "deprecated";
}

export function successorLink(replacementId: string): string {
  return `</api/v1/models/${encodeURIComponent(replacementId)}>; rel="successor-version"`;
}

/** Headers for a call to `m` (empty for an active model). */
export function lifecycleHeaders(m: Lifecycle): Record<string, string> {
  if (!m.deprecatedAt || !m.sunsetAt) return {};
  const h: Record<string, string> = {
    Deprecation: `@${Math.floor(m.deprecatedAt.getTime() / 1000)}`,
    Sunset: m.sunsetAt.toUTCString(),
  };
  if (m.replacementId) h.Link = successorLink(m.replacementId);
  return h;
}

/** Throws 410 MODEL_SUNSET (naming the replacement) once the model's sunset has passed. */
export function assertNotSunset(m: Lifecycle, now: Date = new Date()): void {
  if (lifecycleState(m, now) !== "sunset") return;
  const instead = m.replacementId ? ` Use '${m.replacementId}' instead.` : "";
  throw new AppError("MODEL_SUNSET", `The model '${m.id}' was retired on ${m.sunsetAt!.toISOString()}.${instead}`, {
    param: "model",
    headers: lifecycleHeaders(m),
  });
}
