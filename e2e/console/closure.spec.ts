// An owner's way out: receipt of a top-up, the data export download, closing the account (keys
// revoked, balance shown with how to claim a refund), then deleting their own user record.
import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { createKey, nav, PASSWORD, signUp, topUp, uniqueEmail } from "./helpers";

test("owner: receipt, data export, account closure, user deletion", async ({ page, baseURL }) => {
  const email = uniqueEmail("closure");
  await signUp(page, email, "Grace Hopper");
  await topUp(page, 10);
  const key = await createKey(page, "to be revoked");

  // The ledger links the top-up to its printable receipt.
  await nav(page, "Ledger");
  await page.getByRole("link", { name: /^Receipt for top-up/ }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: /^Receipt TG-\d{8,}$/ })).toBeVisible();
  await expect(page.getByTestId("receipt-amount")).toContainText("$10.00");
  await expect(page.getByText("Simulated payment (no card was charged)")).toBeVisible();
  await expect(page.getByRole("button", { name: "Print" })).toBeVisible();

  // Export: one JSON file with the account's data.
  await nav(page, "Account");
  await expect(page.getByRole("heading", { level: 1, name: "Account" })).toBeVisible();
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-link").click()]);
  expect(download.suggestedFilename()).toMatch(/^tollgate-account-acct_[0-9A-Za-z]+\.json$/);
  const data = JSON.parse(fs.readFileSync((await download.path())!, "utf8"));
  expect(data.format).toBe("tollgate-account-export/1");
  expect(data.members).toEqual([expect.objectContaining({ email, name: "Grace Hopper", role: "owner" })]);
  expect(data.ledger.map((e: { type: string }) => e.type)).toContain("topup");
  expect(data.apiKeys).toHaveLength(1);
  expect(JSON.stringify(data)).not.toContain(key);

  // Deleting the user is refused while they own an open account.
  await page.getByLabel("Type DELETE to confirm").fill("DELETE");
  await page.getByRole("button", { name: "Delete my user" }).click();
  await expect(page.getByRole("form", { name: "Delete my user" }).getByRole("alert")).toContainText("open account");

  // Close: a typed confirmation, then the balance and how to claim a refund.
  await page.getByLabel("Type CLOSE to confirm").fill("CLOSE");
  await page.getByRole("button", { name: "Close account" }).click();
  await expect(page.getByRole("heading", { name: "This account is closed" }).first()).toBeVisible();
  await expect(page.getByText("Claiming a refund")).toBeVisible();
  await expect(page.getByText(/Remaining balance: \$10\.00/)).toBeVisible();
  const api = await page.request.get(`${baseURL}/api/v1/models`, { headers: { authorization: `Bearer ${key}` } });
  expect(api.status()).toBe(401);
  expect((await api.json()).code).toBe("KEY_REVOKED");

  // Now the user may go: signed out, and the old credentials no longer work.
  await page.getByLabel("Type DELETE to confirm").fill("DELETE");
  await page.getByRole("button", { name: "Delete my user" }).click();
  await expect(page).toHaveURL(/\/signin/, { timeout: 20_000 });
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).not.toHaveURL(/\/overview/);
});
