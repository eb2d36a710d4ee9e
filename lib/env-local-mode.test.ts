import { afterEach, expect, it } from "vitest";
import { features, launcherLocalMode, localMode, parseEnv, resetEnvCache } from "./env";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  resetEnvCache();
});

function withEnv(vars: Record<string, string | undefined>): void {
  process.env = { ...saved, DATABASE_URL: "", STRIPE_SECRET_KEY: "", ALLOW_SIMULATED_PAYMENTS: "", TOLLGATE_LOCAL_MODE: "", AUTH_SECRET: "x".repeat(32) };
  for (const [k, v] of Object.entries(vars)) process.env[k] = v;
  resetEnvCache();
}

it("the launcher asks for local mode only on the embedded default without Stripe, unless the operator said production", () => {
  expect(launcherLocalMode({})).toBe(true);
  expect(launcherLocalMode({ NODE_ENV: "development" })).toBe(true);
  expect(launcherLocalMode({ NODE_ENV: "production" })).toBe(false);
  expect(launcherLocalMode({ DATABASE_URL: "postgres://db/x" })).toBe(false);
  expect(launcherLocalMode({ STRIPE_SECRET_KEY: "sk_test_1" })).toBe(false);
  expect(launcherLocalMode({ DATABASE_URL: "  " })).toBe(true);
});

it("local mode offers the simulated payment to everyone on a production server", () => {
  withEnv({ NODE_ENV: "production", TOLLGATE_LOCAL_MODE: "1" });
  expect(features.localMode()).toBe(true);
  expect(features.simulatedPayments()).toBe(true);
});

it("without local mode, production keeps ALLOW_SIMULATED_PAYMENTS as the rule", () => {
  withEnv({ NODE_ENV: "production", TOLLGATE_LOCAL_MODE: "0" });
  expect(features.simulatedPayments()).toBe(false);
  withEnv({ NODE_ENV: "production", TOLLGATE_LOCAL_MODE: "0", ALLOW_SIMULATED_PAYMENTS: "true" });
  expect(features.simulatedPayments()).toBe(true);
});

it("a real database or a Stripe key switches local mode off whatever the flag says", () => {
  expect(localMode(parseEnv({ TOLLGATE_LOCAL_MODE: "1", DATABASE_URL: "postgres://db/x" }))).toBe(false);
  expect(localMode(parseEnv({ TOLLGATE_LOCAL_MODE: "1", STRIPE_SECRET_KEY: "sk_test_1" }))).toBe(false);
  withEnv({ NODE_ENV: "production", TOLLGATE_LOCAL_MODE: "1", DATABASE_URL: "postgres://db/x" });
  expect(features.simulatedPayments()).toBe(false);
});
