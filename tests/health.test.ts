import { afterAll, beforeAll, expect, it } from "vitest";
import { createTestDb, type TestDb } from "./helpers/db";
import { startApp, type TestApp } from "./helpers/app";

let t: TestDb;
let app: TestApp;
beforeAll(async () => {
  t = await createTestDb();
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
  await t?.dispose();
});

it("GET /api/v1/health answers with db and redis status", async () => {
  const res = await fetch(`${app.url}/api/v1/health`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ status: "ok", db: "ok", redis: "ok" });
});
