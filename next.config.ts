import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Native/wasm packages must be loaded from node_modules at run time, not bundled.
  // Observability libraries too: one copy per process, shared with the custom server.
  serverExternalPackages: [
    "@electric-sql/pglite",
    "@electric-sql/pglite-socket",
    "pg",
    "ioredis",
    "ioredis-mock",
    "@node-rs/argon2",
    "nodemailer",
    "pino",
    "pino-pretty",
    "prom-client",
    "@opentelemetry/api",
    "@opentelemetry/sdk-trace-node",
    "@opentelemetry/sdk-trace-base",
    "@opentelemetry/exporter-trace-otlp-http",
    "@opentelemetry/resources",
  ],
  poweredByHeader: false,
  // Parallel builds (tests, bench) can use their own output directory.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // `npm test` runs tsc and eslint as their own steps; the build only compiles.
  typescript: { ignoreBuildErrors: true },
  experimental: { serverActions: { bodySizeLimit: "1mb" }, serverMinification: process.env.BENCH_NO_MINIFY !== "1" },
};

export default nextConfig;
