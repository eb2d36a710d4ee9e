// The app under test, served in this test process over real HTTP by the same server `npm start`
// runs (lib/server): the production build behind Next's handler, with the gateway's fast lane in
// front of /api/v1 unless `fastLane` is false (then the App Router route handlers serve it).
// Running it in-process lets it share this file's database handle.
import { env } from "../../lib/env";
import { listen, prepareNext, requestListener, type NextApp } from "../../lib/server";

export interface TestApp {
  url: string;
  fastLane: boolean;
  close(): Promise<void>;
}

let shared: { app: Promise<NextApp>; users: number } | null = null;

/** One Next.js instance per test process, however many listeners use it. */
async function nextApp(): Promise<{ app: NextApp; release(): Promise<void> }> {
  shared ??= { app: prepareNext(), users: 0 };
  shared.users++;
  const app = await shared.app;
  return {
    app,
    release: async () => {
      if (!shared || --shared.users > 0) return;
      shared = null;
      await app.close();
    },
  };
}

export async function startApp(opts: { fastLane?: boolean } = {}): Promise<TestApp> {
  const fastLane = opts.fastLane ?? env().TOLLGATE_FAST_LANE === "on";
  const { app, release } = await nextApp();
  const s = await listen(requestListener({ next: app, fastLane }), 0, "127.0.0.1");
  return {
    url: s.url,
    fastLane,
    close: async () => {
      await s.close();
      await release();
    },
  };
}
