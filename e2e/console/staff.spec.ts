// The staff area through the UI: hidden from customers; account search, an audited credit grant
// (and the customer's expiring-credits banner), model price validation, audit log, CSV.
import { expect, test } from "@playwright/test";
import { microsIn, shot, signIn, signUp, STAFF, uniqueEmail } from "./helpers";

test("staff: accounts, credit grant, model prices, audit log, all-accounts CSV", async ({ page, browser }) => {
  test.setTimeout(90_000);
  const customer = uniqueEmail("granted");
  await signUp(page, customer, "Granted Customer");
  const notFound = await page.goto("/staff/accounts");
  expect(notFound?.status()).toBe(404);
  await expect(page.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Audit log" })).toHaveCount(0);

  const ctx = await browser.newContext();
  const staff = await ctx.newPage();
  await signIn(staff, STAFF.email, STAFF.password);
  await staff.getByRole("navigation", { name: "Console" }).getByRole("link", { name: "Accounts" }).click();
  await staff.getByLabel("Search", { exact: true }).fill(customer);
  await staff.getByRole("button", { name: "Apply" }).first().click();
  const rows = staff.getByRole("table", { name: "Accounts" }).locator("tbody tr");
  await expect(rows).toHaveCount(1);
  await rows.first().getByRole("link").click();
  await expect(staff.getByRole("heading", { level: 1, name: "Granted Customer's account" })).toBeVisible();

  const grant = staff.getByRole("form", { name: "Grant credits" });
  await grant.getByLabel("Amount (USD)").fill("25");
  await grant.getByLabel("Expires after (days)").fill("10");
  await grant.getByRole("button", { name: "Grant credits" }).click();
  await expect(grant.locator("#f-reason-error")).toBeVisible();
  await grant.getByLabel("Reason").fill("Welcome credit for the e2e test");
  await grant.getByRole("button", { name: "Grant credits" }).click();
  await expect(staff.getByText(/^Granted\. Ledger entry le_/)).toBeVisible();
  // Submitting the same form again does not grant twice.
  await grant.getByRole("button", { name: "Grant credits" }).click();
  await expect(staff.getByText(/Already granted/)).toBeVisible();
  await shot(staff, "staff-account");

  // The customer sees $25 and the expiring-credits banner.
  await page.goto("/overview");
  expect(await microsIn(page, "Balance")).toBe(25_000_000n);
  await expect(page.getByText("Credits expiring soon")).toBeVisible();
  await shot(page, "overview-expiring");

  // Model prices: scheduled with notice (validated; forced when sooner), then audited.
  await staff.goto("/staff/models");
  const model = staff.getByRole("form", { name: "Schedule a price for mock-embed" });
  await model.getByLabel("Input USD / Mtok", { exact: true }).fill("-5");
  await model.getByLabel("Output USD / Mtok", { exact: true }).fill("0");
  await model.getByLabel("Effective from (UTC)").fill(new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10));
  await model.getByRole("button", { name: "Schedule price" }).click();
  await expect(model.locator("#price-mock-embed-in-error")).toContainText("USD per million tokens");
  await model.getByLabel("Input USD / Mtok", { exact: true }).fill("0.025");
  await model.getByRole("button", { name: "Schedule price" }).click();
  await expect(model.locator("#price-mock-embed-effective-error")).toContainText("14 days");
  await model.getByLabel("Less than 14 days' notice").check();
  await model.getByRole("button", { name: "Schedule price" }).click();
  await expect(model.getByText(/^Scheduled;/)).toBeVisible();
  await expect(staff.getByRole("list", { name: "Scheduled prices of mock-embed" })).toContainText("$0.025 in");
  await shot(staff, "staff-models");

  await staff.goto("/staff/audit?action=staff.");
  await expect(staff.getByRole("table", { name: "Audit log" })).toContainText("staff.grant");
  await staff.goto("/staff/audit?action=model.");
  await expect(staff.getByRole("table", { name: "Audit log" })).toContainText("model.price.schedule");
  await shot(staff, "staff-audit");

  await staff.goto("/staff/accounts");
  const [download] = await Promise.all([staff.waitForEvent("download"), staff.getByRole("link", { name: "Export all-accounts CSV" }).click()]);
  const text = Buffer.concat((await (await download.createReadStream()).toArray()) as Buffer[]).toString("utf8");
  expect(text.split(/\r?\n/)[0]).toMatch(/^entry_id,created_at,account_id,account_name,type,/);
  expect(text).toContain("Welcome credit for the e2e test");
  await ctx.close();
});
