// Gateway knobs, read through lib/env.ts at call time (tests change them between calls and reset
// the env cache).
import { env } from "@/lib/env";

export const gatewayConfig = {
  connectTimeoutMs: () => env().UPSTREAM_CONNECT_TIMEOUT_MS,
  firstByteTimeoutMs: () => env().UPSTREAM_FIRST_BYTE_TIMEOUT_MS,
  idleTimeoutMs: () => env().UPSTREAM_IDLE_TIMEOUT_MS,
  /** Retries after the first attempt (429/5xx/connect errors, before any byte reached the client). */
  maxRetries: () => env().UPSTREAM_MAX_RETRIES,
  retryBaseMs: () => env().UPSTREAM_RETRY_BASE_MS,
  /** A Retry-After longer than this is not waited for: the error goes to the client instead. */
  retryMaxWaitMs: () => env().UPSTREAM_RETRY_MAX_WAIT_MS,
  breakerThreshold: () => env().CIRCUIT_FAILURE_THRESHOLD,
  breakerCooldownMs: () => env().CIRCUIT_COOLDOWN_MS,
  /**
   * How long a hold survives its instance: the sweeper frees holds past this after a crash. A
   * live call keeps extending its hold (reservation.ts), so calls may run longer than this.
   */
  holdTtlSeconds: () => env().HOLD_TTL_SECONDS,
  /** Upper bound on a non-streamed upstream response body. */
  maxUpstreamBodyBytes: () => env().UPSTREAM_MAX_BODY_BYTES,
  byokFeeBps: () => 500, // 5 %
  byokMinFeeMicros: (): bigint => env().BYOK_MIN_FEE_MICROS,
};
