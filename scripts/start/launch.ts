// Runs the mock upstream and the production server (scripts/server.ts: the gateway's fast lane in
// front of Next.js) as child processes.
import { spawn, type ChildProcess } from "node:child_process";
import type { Env } from "@/lib/env";

export function launch(env: Env, authSecret: string): void {
  const appUrl = env.APP_URL ?? `http://localhost:${env.PORT}`;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    AUTH_SECRET: authSecret,
    NEXTAUTH_URL: process.env.NEXTAUTH_URL ?? appUrl,
    APP_URL: appUrl,
    MOCK_UPSTREAM_PORT: String(env.MOCK_UPSTREAM_PORT),
  };
  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
    setTimeout(() => process.exit(code), 2000).unref();
  };
  children.push(spawn(process.execPath, ["--import", "tsx", "mock-upstream/main.ts"], { stdio: "inherit", env: childEnv }));
  children.push(spawn(process.execPath, ["--import", "tsx", "scripts/server.ts"], { stdio: "inherit", env: { ...childEnv, PORT: String(env.PORT) } }));
  for (const c of children) c.on("exit", (code) => stopAll(code ?? 1));
  process.on("SIGINT", () => stopAll(0));
  process.on("SIGTERM", () => stopAll(0));
  console.log(`[tollgate] console: ${appUrl}/signin   API: ${appUrl}/api/v1   health: ${appUrl}/api/v1/health`);
}
