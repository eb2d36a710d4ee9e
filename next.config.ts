import type { NextConfig } from "next";
import { staticSecurityHeaders } from "./lib/security/headers";

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
  // Bench-only routes (app/api/noop/route.bench.ts) are compiled only into the bench's build, which
  // sets TOLLGATE_BENCH_BUILD=1 (scripts/bench/processes.ts); every other build ignores the files.
  // Both the webpack and the Turbopack route discovery split "route.bench.ts" into the name
  // "route" and the extension "bench.ts", so the extra extension is what switches them on.
  pageExtensions: ["tsx", "ts", "jsx", "js", ...(process.env.TOLLGATE_BENCH_BUILD === "1" ? ["bench.ts"] : [])],
  // Parallel builds (tests, bench) can use their own output directory. Raw process.env reads in
  // this file: it is evaluated by `next build` too, where lib/env's schema (which demands
  // production secrets) must not run.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // `npm test` runs tsc and eslint as their own steps; the build only compiles.
  typescript: { ignoreBuildErrors: true },
  // Pages get these (and a nonce-based CSP) from proxy.ts; route handlers get the static ones here.
  async headers() {
    const headers = Object.entries(staticSecurityHeaders()).map(([key, value]) => ({ key, value }));
    return [{ source: "/api/:path*", headers }];
  },
  experimental: { serverActions: { bodySizeLimit: "1mb" }, serverMinification: process.env.BENCH_NO_MINIFY !== "1" },
};

export default nextConfig;
