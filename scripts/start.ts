// `npm start`: build if needed, migrate, seed a demo user, then run the mock upstream and the
// production server on PORT. Ctrl-C stops both.
import { launcherLocalMode } from "@/lib/env";
import { launch } from "./start/launch";
import { buildIfNeeded, ensureAuthSecret, loadEnvOrExit, migrateAndSeed } from "./start/prepare";

async function main(): Promise<void> {
  // Decided on the operator's environment, before the server is forced into production mode.
  process.env.TOLLGATE_LOCAL_MODE = launcherLocalMode() ? "1" : "0";
  const env = loadEnvOrExit();
  buildIfNeeded();
  const authSecret = ensureAuthSecret(env);
  await migrateAndSeed(env);
  // The server serves the embedded database on DATA_DIR's socket, so the CLI works beside it.
  if (!env.DATABASE_URL) process.env.TOLLGATE_PGLITE_SOCKET = "1";
  launch(env, authSecret);
}

main().catch((e: unknown) => {
  process.stderr.write(`[tollgate] start failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
