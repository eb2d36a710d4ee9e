// Runs the mock upstream and the production server (scripts/server.ts: the gateway's fast lane in
// front of Next.js) as child processes.
import { spawn, type ChildProcess } from "node:child_process";
import type { Env } from "@/lib/env";
import { log } from "@/lib/log";

export function launch(env: Env, authSecret: string): void {
  const appUrl = env.APP_URL ?? `http://localhost:${env.PORT}`;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    AUTH_SECRET: authSecret,
    NEXTAUTH_URL: env.NEXTAUTH_URL ?? appUrl,
    APP_URL: appUrl,
    MOCK_UPSTREAM_PORT: String(env.MOCK_UPSTREAM_PORT),
  };
  const children: ChildProcess[] = [];
  let stopping = false;
  let exitCode = 0;
  // The server drains first (its calls in flight may still need the mock upstream), then the mock
  // stops, then this process exits.
  const stopAll = (code: number) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    const [mock, server] = children;
    if (server.exitCode === null && server.signalCode === null) server.kill("SIGTERM");
    else mock.kill("SIGTERM");
    setTimeout(() => process.exit(code || 1), env.TOLLGATE_DRAIN_TIMEOUT_MS + 15_000).unref();
  };
  children.push(spawn(process.execPath, ["--import", "tsx", "mock-upstream/main.ts"], { stdio: "inherit", env: childEnv }));
  children.push(spawn(process.execPath, ["--import", "tsx", "scripts/server.ts"], { stdio: "inherit", env: { ...childEnv, PORT: String(env.PORT) } }));
  for (const c of children) {
    c.on("exit", (code) => {
      if (!stopping) stopAll(code ?? 1);
      else if (c === children[1] && children[0].exitCode === null) children[0].kill("SIGTERM");
      if (children.every((x) => x.exitCode !== null || x.signalCode !== null)) process.exit(exitCode);
    });
  }
  process.on("SIGINT", () => stopAll(0));
  process.on("SIGTERM", () => stopAll(0));
  log("start").info(`console: ${appUrl}/signin   API: ${appUrl}/api/v1   docs: ${appUrl}/docs`);
}
