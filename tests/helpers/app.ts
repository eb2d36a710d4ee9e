// The production build of the app, served in this test process over real HTTP. Running it
// in-process lets it share this file's database handle (PGlite or a per-file PostgreSQL db).
import http from "node:http";
import type { AddressInfo } from "node:net";
import next from "next";

export interface TestApp {
  url: string;
  close(): Promise<void>;
}

export async function startApp(): Promise<TestApp> {
  const app = next({ dev: false, dir: process.cwd(), quiet: true });
  await app.prepare();
  const handle = app.getRequestHandler();
  const server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close?.();
    },
  };
}
