// Per-request state of the gateway core, and the client address it is keyed by.
import type { ApiKeyAuth } from "@/lib/keys/auth";
import type { ModelRow } from "@/lib/models";
import type { ApiFormat } from "../errors";
import type { GatewayObserver } from "./observer";
import type { GatewayRequest, GatewayResponse } from "./types";

export { clientIp, hashClientIp } from "../client-address";

export interface GatewayContext {
  req: GatewayRequest;
  /** The route's name, e.g. "chat.completions" (metrics label, request log endpoint). */
  route: string;
  /** Path parameters of the route (e.g. { id } for /requests/{id}). */
  params: Record<string, string>;
  query: URLSearchParams;
  requestId: string;
  format: ApiFormat;
  key: ApiKeyAuth;
  /**
   * Resolves once the request is admitted (rate limit + concurrency); rejects with the 429.
   * Routes that overlap admission run while it is still in flight and must await this before
   * any side effect (a hold, a log row); for all others it has resolved already.
   */
  admitted(): Promise<void>;
  /** performance.now() when the request arrived. */
  startedAt: number;
  clientIpHash: string | null;
  /** Reported in X-Credit-Balance-Usd; handlers update it after settling. */
  balanceMicros: bigint;
  /** Extra headers for the final response (e.g. X-Tollgate-Max-Tokens). */
  headers: Record<string, string>;
  /** The model of a model call, once resolved (response-header hooks and the observer see it). */
  model: ModelRow | null;
  /** The model id the client asked for (the usage event of a refused call names it). */
  requestedModel: string | null;
  /** The client's own request id (validated), or null. */
  clientRequestId: string | null;
  /** The call booked its own request row with its settlement: no separate usage event. */
  logged: boolean;
  stream: boolean;
  /** Keep the concurrency slot until `done` settles (streams and bookings that outlive the handler). */
  holdSlotUntil(done: Promise<unknown>): void;
  /** Push the concurrency slot's expiry forward: the call is still running. */
  refreshSlot(): void;
  observer: Required<GatewayObserver>;
}

export type GatewayHandler = (ctx: GatewayContext) => Promise<GatewayResponse>;

