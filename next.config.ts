import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Native/wasm packages must be loaded from node_modules at run time, not bundled.
  serverExternalPackages: ["@electric-sql/pglite", "pg", "ioredis", "ioredis-mock", "@node-rs/argon2", "nodemailer"],
  poweredByHeader: false,
  // Parallel builds (tests, bench) can use their own output directory.
  distDir: process.env.NEXT_DIST_DIR || ".next",
  // `npm test` runs tsc and eslint as their own steps; the build only compiles.
  typescript: { ignoreBuildErrors: true },
  experimental: { serverActions: { bodySizeLimit: "1mb" }, serverMinification: process.env.BENCH_NO_MINIFY !== "1" },
};

export default nextConfig;
