// Environment, validated once. Optional groups (Stripe, OAuth, SMTP, Upstash, providers)
// switch features on only when every variable of the group is present.
import { z } from "zod";

const emptyToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);
const opt = z.preprocess(emptyToUndefined, z.string().min(1).optional());
const optUrl = z.preprocess(emptyToUndefined, z.string().url().optional());
const port = (fallback: number) => z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(65535).default(fallback));
/** A non-negative whole number (milliseconds, counts) with a default. */
const count = (fallback: number, max = Number.MAX_SAFE_INTEGER) => z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(max).default(fallback));
const toOnOff = (v: unknown) => {
  const s = typeof emptyToUndefined(v) === "string" ? String(v).trim().toLowerCase() : undefined;
  if (s === undefined) return undefined;
  return ["1", "true", "on", "yes"].includes(s) ? "on" : ["0", "false", "off", "no"].includes(s) ? "off" : s;
};
const onOff = (fallback: "on" | "off") => z.preprocess(toOnOff, z.enum(["on", "off"]).default(fallback));

export const envSchema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: port(3000),
    DATA_DIR: z.preprocess(emptyToUndefined, z.string().default(".data")),
    DATABASE_URL: optUrl,
    REDIS_URL: optUrl,
    UPSTASH_REDIS_REST_URL: optUrl,
    UPSTASH_REDIS_REST_TOKEN: opt,
    AUTH_SECRET: opt,
    APP_URL: optUrl,
    STRIPE_SECRET_KEY: opt,
    STRIPE_WEBHOOK_SECRET: opt,
    STRIPE_API_HOST: opt,
    STRIPE_API_PORT: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(65535).optional()),
    STRIPE_API_PROTOCOL: z.preprocess(emptyToUndefined, z.enum(["http", "https"]).optional()),
    ALLOW_SIMULATED_PAYMENTS: z.preprocess(emptyToUndefined, z.enum(["true", "false", "1", "0"]).optional()),
    OPENAI_API_KEY: opt,
    OPENAI_BASE_URL: optUrl,
    ANTHROPIC_API_KEY: opt,
    ANTHROPIC_BASE_URL: optUrl,
    MOCK_UPSTREAM_PORT: port(3999),
    MOCK_UPSTREAM_URL: optUrl,
    SMTP_URL: opt,
    MAIL_FROM: opt,
    // 0: the socket's peer address (the app is exposed directly); n ≥ 1: the n-th X-Forwarded-For entry from the right.
    TRUSTED_PROXY_HOPS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(10).optional()),
    // Retention (lib/jobs/retention.ts): request metadata and audit rows older than this are purged.
    REQUEST_LOG_RETENTION_DAYS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(3650).default(90)),
    AUDIT_LOG_RETENTION_DAYS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(3650).default(90)),
    // Abuse limits of the gateway (issue 11): stream duration and stalled readers, per-call
    // overage bound, rate-limit store outage behaviour, usage-event batching.
    STREAM_MAX_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(86_400).default(900)),
    STREAM_STALL_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().min(0.1).max(3_600).default(30)),
    OVERAGE_MAX_MICROS: z.preprocess(emptyToUndefined, z.coerce.bigint().min(BigInt(0)).default(BigInt(50_000))),
    RATELIMIT_FAIL_MODE: z.preprocess(emptyToUndefined, z.enum(["open", "closed"]).default("open")),
    USAGE_FLUSH_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(60_000).default(200)),
    // Demo user: seeded by default only in the embedded local mode (no DATABASE_URL).
    SEED_DEMO: z.preprocess(emptyToUndefined, z.enum(["true", "false", "1", "0"]).optional()),
    // Sign-ups allowed per client address per hour (an office behind one NAT may need more).
    SIGNUP_LIMIT_PER_HOUR: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(100_000).default(10)),
    STAFF_REQUIRE_2FA: z.preprocess(emptyToUndefined, z.enum(["true", "false", "1", "0"]).optional()),
    BYOK_MIN_FEE_MICROS: z.preprocess(emptyToUndefined, z.coerce.bigint().min(BigInt(0)).default(BigInt(10_000))),
    /** Second argument of the client-address HMAC; AUTH_SECRET when unset. */
    IP_HASH_SECRET: opt,
    NEXTAUTH_SECRET: opt,
    NEXTAUTH_URL: optUrl,
    /** Set by `npm start` when it generated AUTH_SECRET itself (stored under DATA_DIR). */
    TOLLGATE_GENERATED_AUTH_SECRET: z.preprocess(emptyToUndefined, z.enum(["1"]).optional()),
    // Gateway: upstream timeouts, retries, circuit breaker, holds.
    UPSTREAM_CONNECT_TIMEOUT_MS: count(10_000),
    UPSTREAM_FIRST_BYTE_TIMEOUT_MS: count(60_000),
    UPSTREAM_IDLE_TIMEOUT_MS: count(60_000),
    UPSTREAM_MAX_RETRIES: count(2, 10),
    UPSTREAM_RETRY_BASE_MS: count(500),
    UPSTREAM_RETRY_MAX_WAIT_MS: count(20_000),
    UPSTREAM_MAX_BODY_BYTES: count(64 * 1024 * 1024),
    CIRCUIT_FAILURE_THRESHOLD: count(5),
    CIRCUIT_COOLDOWN_MS: count(30_000),
    HOLD_TTL_SECONDS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(3).max(7 * 24 * 3600).default(120)),
    // Admission and caches.
    RATELIMIT_TIMEOUT_MS: count(1000),
    CONCURRENCY_TTL_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1000).default(120_000)),
    AUTH_FAILURE_RPM: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).default(120)),
    // At most 5 s: a revoked key must stop working within seconds even if the pub/sub message is lost.
    KEY_CACHE_TTL_MS: count(2000, 5000),
    MODELS_CACHE_TTL_MS: count(10_000),
    TOLLGATE_REDIS_PREFIX: z.preprocess(emptyToUndefined, z.string().regex(/^[A-Za-z0-9:_-]{1,64}$/).default("tollgate")),
    // Database access.
    /** Pipelined connections for the hot ledger statements (lib/db/pipeline.ts). */
    TOLLGATE_PIPELINE_CONNECTIONS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(32).default(3)),
    /** off: the hot statements use the plain pool (no pipelining, no reliance on pg internals). */
    TOLLGATE_PG_PIPELINE: onOff("on"),
    TOLLGATE_SKIP_MIGRATE: z.preprocess(emptyToUndefined, z.enum(["1"]).optional()),
    /** Set by `npm start` (and the e2e server): the server opens the embedded database at boot and serves it to the CLI. */
    TOLLGATE_PGLITE_SOCKET: z.preprocess(emptyToUndefined, z.enum(["1"]).optional()),
    // Serving.
    /** off: /api/v1 goes through the App Router route handlers instead of the node:http fast lane. */
    TOLLGATE_FAST_LANE: onOff("on"),
    /**
     * auto: with DATABASE_URL and REDIS_URL, `npm start` runs the console (Next.js) in its own
     * process behind the gateway (lib/server/console.ts); off: in the gateway's process.
     */
    TOLLGATE_CONSOLE_PROCESS: z.preprocess(emptyToUndefined, z.enum(["auto", "off"]).default("auto")),
    /** Set by the gateway's server for the console process and its own cluster workers: the console's Unix socket. */
    TOLLGATE_CONSOLE_SOCKET: z.preprocess(emptyToUndefined, z.string().max(200).optional()),
    /** 1: Next.js prints its own start-up lines (quiet otherwise). */
    TOLLGATE_DEBUG_NEXT: z.preprocess(emptyToUndefined, z.enum(["0", "1"]).optional()),
    /** Server processes: a number, or "auto" for the available cores. */
    TOLLGATE_WORKERS: z.preprocess(emptyToUndefined, z.union([z.literal("auto"), z.coerce.number().int().min(1).max(64)]).default(1)),
    /** Background jobs in this process: on/off; unset means on, except under NODE_ENV=test (tests drive them directly). */
    TOLLGATE_JOBS: z.preprocess(toOnOff, z.enum(["on", "off"]).optional()),
    /**
     * Set by the bench only: "1" makes its framework-floor route (app/api/noop/route.bench.ts, only
     * in the bench's build) answer, and lets SIGUSR2 switch usage events off and on (scripts/server.ts).
     */
    TOLLGATE_BENCH_ROUTES: z.preprocess(emptyToUndefined, z.enum(["1"]).optional()),
    GITHUB_ID: opt,
    GITHUB_SECRET: opt,
    GOOGLE_ID: opt,
    GOOGLE_SECRET: opt,
    TOLLGATE_DRAIN_TIMEOUT_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(3_600_000).default(30_000)),
    LOG_FORMAT: z.preprocess(emptyToUndefined, z.enum(["json", "pretty"]).optional()),
    LOG_LEVEL: z.preprocess(emptyToUndefined, z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info")),
    METRICS_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16, "METRICS_TOKEN must be at least 16 characters").optional()),
    OTEL_EXPORTER_OTLP_ENDPOINT: optUrl,
    OTEL_SERVICE_NAME: z.preprocess(emptyToUndefined, z.string().default("tollgate")),
    // Set by `npm start` for the zero-configuration default (see lib/env localMode); not for operators.
    TOLLGATE_LOCAL_MODE: z.preprocess(emptyToUndefined, z.enum(["1", "0"]).optional()),
  })
  .superRefine((env, ctx) => {
    const pairs: [keyof typeof env, keyof typeof env][] = [
      ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"],
      ["GITHUB_ID", "GITHUB_SECRET"],
      ["GOOGLE_ID", "GOOGLE_SECRET"],
    ];
    for (const [a, b] of pairs) {
      if (Boolean(env[a]) !== Boolean(env[b])) {
        ctx.addIssue({ code: "custom", path: [env[a] ? b : a], message: `${a} and ${b} must be set together` });
      }
    }
    if (env.NODE_ENV === "production" && !env.AUTH_SECRET && env.TOLLGATE_GENERATED_AUTH_SECRET !== "1") {
      ctx.addIssue({ code: "custom", path: ["AUTH_SECRET"], message: "AUTH_SECRET is required in production" });
    }
  });

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {}

export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const result = envSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join(".") || "(env)"}: ${i.message}`);
    throw new EnvError(`Invalid environment configuration:\n${lines.join("\n")}`);
  }
  return result.data;
}

// On globalThis: the Next.js bundle and code loaded directly (the fast lane, the CLI, tests) each
// have their own copy of this module, and resetEnvCache() must reach all of them.
type G = typeof globalThis & { __tollgateEnv?: Env };
const g = globalThis as G;

/** The validated environment; throws naming the bad variable on first use. */
export function env(): Env {
  return (g.__tollgateEnv ??= parseEnv());
}
/** For tests that change process.env (and the CLI after loading .env files). */
export function resetEnvCache(): void {
  g.__tollgateEnv = undefined;
}

export const features = {
  stripe: () => Boolean(env().STRIPE_SECRET_KEY),
  stripeWebhooks: () => Boolean(env().STRIPE_WEBHOOK_SECRET),
  smtp: () => Boolean(env().SMTP_URL),
  upstash: () => Boolean(env().UPSTASH_REDIS_REST_URL && env().UPSTASH_REDIS_REST_TOKEN),
  github: () => Boolean(env().GITHUB_ID && env().GITHUB_SECRET),
  google: () => Boolean(env().GOOGLE_ID && env().GOOGLE_SECRET),
  /** Simulated payments: only without Stripe, and never in production unless explicitly allowed. */
  simulatedPayments: () => {
    const e = env();
    if (e.STRIPE_SECRET_KEY) return false;
    if (e.NODE_ENV !== "production" || localMode(e)) return true;
    return e.ALLOW_SIMULATED_PAYMENTS === "true" || e.ALLOW_SIMULATED_PAYMENTS === "1";
  },
  localMode: () => localMode(env()),
};

/**
 * The local evaluation server: `npm start` on the embedded database with no Stripe keys, started
 * without NODE_ENV=production by the operator. Every user may top up through the labelled
 * simulated payment there. The launcher decides (it sees the operator's NODE_ENV before forcing
 * production for the server) and passes TOLLGATE_LOCAL_MODE; a real database or Stripe key here
 * still switches it off, whatever the flag says.
 */
export function localMode(e: Env): boolean {
  return e.TOLLGATE_LOCAL_MODE === "1" && !e.DATABASE_URL && !e.STRIPE_SECRET_KEY;
}

/** What the launcher passes to the server for TOLLGATE_LOCAL_MODE. */
export function launcherLocalMode(source: Record<string, string | undefined> = process.env): boolean {
  const blank = (v: string | undefined) => !v || v.trim() === "";
  return source.NODE_ENV !== "production" && blank(source.DATABASE_URL) && blank(source.STRIPE_SECRET_KEY);
}

export function mockUpstreamUrl(): string {
  const e = env();
  return e.MOCK_UPSTREAM_URL ?? `http://127.0.0.1:${e.MOCK_UPSTREAM_PORT}`;
}

