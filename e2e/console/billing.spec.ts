// Billing through the UI: custom amount validation, a cancelled checkout changes nothing, a paid
// one shows up as a lot, and the low-balance threshold is saved.
import { expect, test } from "@playwright/test";
import { microsIn, shot, signUp, uniqueEmail } from "./helpers";

test("custom top-up, cancel, lots and the low-balance threshold", async ({ page }) => {
  test.setTimeout(60_000);
  await signUp(page, uniqueEmail("billing"));
  await page.goto("/billing");
  await expect(page.getByText("No credits yet")).toBeVisible();

  const custom = page.getByLabel("Custom amount (USD)");
  await custom.fill("4.99");
  await page.getByRole("button", { name: "Top up" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "between $5 and $1,000" })).toBeVisible();

  // Cancelling the checkout leaves the balance alone.
  await custom.fill("12.34");
  await page.getByRole("button", { name: "Top up" }).click();
  await expect(page).toHaveURL(/\/billing\/simulate\/sim_cs_/);
  await expect(page.getByText("This is not a real payment")).toBeVisible();
  await shot(page, "simulated-payment");
  await page.getByRole("link", { name: "Cancel" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Payment cancelled" })).toBeVisible();
  await page.goto("/billing");
  expect(await microsIn(page, "Balance")).toBe(0n);

  // Paying a custom amount creates a one-year paid lot.
  await custom.fill("12.34");
  await page.getByRole("button", { name: "Top up" }).click();
  await page.getByRole("button", { name: "Pay $12.34 (simulated)" }).click();
  await expect(page.getByText("Credits added")).toBeVisible();
  await page.getByRole("link", { name: "Back to billing" }).click();
  expect(await microsIn(page, "Balance")).toBe(12_340_000n);
  const lot = page.getByRole("table", { name: "Credit lots" }).locator("tbody tr");
  await expect(lot).toHaveCount(1);
  await expect(lot).toContainText("Top-up");
  await expect(lot).toContainText("Active");
  const nextYear = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
  await expect(lot).toContainText(nextYear);

  const threshold = page.getByRole("form", { name: "Low-balance alert" });
  await threshold.getByLabel("Alert me when the balance falls below (USD)").fill("abc");
  await threshold.getByRole("button", { name: "Save" }).click();
  await expect(threshold.locator("#f-thresholdUsd-error")).toBeVisible();
  await threshold.getByLabel("Alert me when the balance falls below (USD)").fill("20");
  await threshold.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("You'll be notified when your balance falls below $20.00.")).toBeVisible();
  await page.reload();
  await expect(page.getByLabel("Alert me when the balance falls below (USD)")).toHaveValue("20");
  await shot(page, "billing");
});
