// Gateway knobs read at call time from the environment, so tests can shorten timeouts.
function num(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

export const gatewayConfig = {
  connectTimeoutMs: () => num("UPSTREAM_CONNECT_TIMEOUT_MS", 10_000),
  firstByteTimeoutMs: () => num("UPSTREAM_FIRST_BYTE_TIMEOUT_MS", 60_000),
  idleTimeoutMs: () => num("UPSTREAM_IDLE_TIMEOUT_MS", 60_000),
  /** Retries after the first attempt (429/5xx/connect errors, before any byte reached the client). */
  maxRetries: () => num("UPSTREAM_MAX_RETRIES", 2),
  retryBaseMs: () => num("UPSTREAM_RETRY_BASE_MS", 500),
  /** A Retry-After longer than this is not waited for: the error goes to the client instead. */
  retryMaxWaitMs: () => num("UPSTREAM_RETRY_MAX_WAIT_MS", 20_000),
  breakerThreshold: () => num("CIRCUIT_FAILURE_THRESHOLD", 5),
  breakerCooldownMs: () => num("CIRCUIT_COOLDOWN_MS", 30_000),
  /**
   * How long a hold survives its instance: the sweeper frees holds past this after a crash. A
   * live call keeps extending its hold (hold-keepalive.ts), so calls may run longer than this.
   */
  holdTtlSeconds: () => Math.max(3, Math.floor(num("HOLD_TTL_SECONDS", 120))),
  /** Upper bound on a non-streamed upstream response body. */
  maxUpstreamBodyBytes: () => num("UPSTREAM_MAX_BODY_BYTES", 64 * 1024 * 1024),
  byokFeeBps: () => 500, // 5 %
  byokMinFeeMicros: (): bigint => {
    const raw = process.env.BYOK_MIN_FEE_MICROS;
    return raw && /^\d+$/.test(raw.trim()) ? BigInt(raw.trim()) : BigInt(10_000);
  },
};
