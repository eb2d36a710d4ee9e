import { defineConfig, devices } from "@playwright/test";

const port = Number(process.env.E2E_PORT ?? 3210);
export const baseURL = `http://127.0.0.1:${port}`;
// A second server exactly like `npm start` on a fresh machine (embedded database, no Stripe keys,
// local evaluation mode), for the specs under e2e/local/.
const localPort = Number(process.env.E2E_LOCAL_PORT ?? port + 1);
const localMockPort = Number(process.env.E2E_LOCAL_MOCK_PORT ?? Number(process.env.E2E_MOCK_PORT ?? 3998) - 1);
export const localBaseURL = `http://127.0.0.1:${localPort}`;
// The server mails through this port; e2e/console/members.spec.ts listens on it (smtp-server).
export const smtpPort = Number(process.env.E2E_SMTP_PORT ?? port + 2000);

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 2,
  retries: process.env.CI ? 1 : 0,
  reporter: process.env.CI ? [["list"]] : [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      // The system Chromium from Debian; Playwright never downloads a browser here.
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run"],
    },
  },
  projects: [{ name: "chromium", use: { ...devices["Desktop Chrome"] } }],
  webServer: [
    {
      command: "npx tsx scripts/e2e-server.ts",
      url: `${baseURL}/api/v1/health`,
      reuseExistingServer: false,
      timeout: 240_000,
      stdout: "pipe",
      stderr: "pipe",
      // Every spec signs up its own users from 127.0.0.1: lift the per-address sign-up limit.
      env: { E2E_PORT: String(port), SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, SIGNUP_LIMIT_PER_HOUR: "100000" },
    },
    {
      command: "npx tsx scripts/e2e-server.ts",
      url: `${localBaseURL}/api/v1/health`,
      reuseExistingServer: false,
      timeout: 240_000,
      stdout: "pipe",
      stderr: "pipe",
      env: { E2E_LOCAL: "1", E2E_PORT: String(localPort), E2E_MOCK_PORT: String(localMockPort), SIGNUP_LIMIT_PER_HOUR: "100000" },
    },
  ],
});
