// `npm start` on a fresh machine: the embedded database, no Stripe keys. A new sign-up sees the
// local-evaluation banner and tops up through the simulated payment; sub-cent charges show their
// digits; the API reference works under its strict CSP. Runs against the second e2e server.
import { expect, test } from "@playwright/test";
import { localBaseURL } from "../../playwright.config";
import { createKey, microsIn, nav, signUp, topUp, uniqueEmail } from "../console/helpers";

test.use({ baseURL: localBaseURL });

test("a new sign-up on the embedded default tops up through the simulated payment", async ({ page, request }) => {
  test.setTimeout(90_000);
  await signUp(page, uniqueEmail("local"));
  const banner = page.getByRole("complementary", { name: "Local evaluation server" });
  await expect(banner).toBeVisible();
  await expect(banner).toContainText("simulated payment");

  await page.goto("/billing");
  await expect(page.getByText("Payments are not configured")).toHaveCount(0);
  await topUp(page, 10);
  await page.goto("/billing");
  expect(await microsIn(page, "Balance")).toBe(10_000_000n);

  // Cheap calls cost fractions of a cent and must not read "$0.00"; a longer one costs cents.
  const key = await createKey(page, "local eval");
  const call = async (model: string, tokens: number) => {
    const res = await request.post("/api/v1/chat/completions", {
      headers: { Authorization: `Bearer ${key}` },
      data: { model, max_tokens: 4000, messages: [{ role: "user", content: `hello #tokens=${tokens}` }] },
    });
    expect(res.status()).toBe(200);
  };
  for (const tokens of [3, 8, 21]) await call("mock-small", tokens);
  await call("mock-large", 1500);
  await nav(page, "Usage");
  const log = page.getByRole("table", { name: "Request log" });
  await expect(log.locator("tbody tr")).toHaveCount(4);
  for (const text of await log.locator("tbody tr").filter({ hasText: "mock-small" }).locator("td [data-micros]").allInnerTexts()) {
    expect(text).toMatch(/^\$0\.0000\d+$/);
  }
  await expect(log.locator("tbody tr").filter({ hasText: "mock-large" }).locator("td [data-micros]")).toHaveText(/^\$0\.0225\d*$/);
  if (process.env.UPDATE_DOCS_SCREENSHOT === "1") {
    await page.setViewportSize({ width: 1440, height: 800 });
    // The request log scrolls sideways at this width: show its cost column.
    await log.evaluate((t) => t.closest("div")?.scrollBy({ left: 600 }));
    await page.screenshot({ path: "docs/usage-page.png", fullPage: true });
  }
  await nav(page, "Ledger");
  const charge = page.getByRole("table", { name: "Ledger entries" }).locator("tbody tr").filter({ hasText: "Charge" }).last().locator("[data-micros]").first();
  await expect(charge).toHaveText(/^\u2212\$0\.0000\d+$/);
});

test("the API reference renders from this origin under its CSP", async ({ page }) => {
  const violations: string[] = [];
  const external: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  page.on("request", (r) => {
    if (!r.url().startsWith(localBaseURL) && !r.url().startsWith("data:")) external.push(r.url());
  });
  await page.goto("/docs");
  await expect(page.getByRole("heading", { name: "Tollgate API" }).first()).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText("Chat completion (OpenAI-compatible)").first()).toBeVisible();
  await expect(page.getByText("Retries").first()).toBeVisible();
  expect(violations).toEqual([]);
  expect(external).toEqual([]);
});
