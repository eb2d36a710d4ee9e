// Shared steps for the console e2e specs. Every spec signs up its own users (unique emails),
// so specs can run in parallel against one server.
import { expect, type Page } from "@playwright/test";

/** The staff user scripts/e2e-server.ts creates for every e2e run. */
export const STAFF = { email: "staff@tollgate.local", password: "staff-password-123" };
export const PASSWORD = "correct horse battery staple";

export function uniqueEmail(tag: string): string {
  return `e2e-${tag}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}@example.com`;
}

export async function signUp(page: Page, email: string, name = "E2E Customer"): Promise<void> {
  await page.goto("/signup");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel(/I accept the terms of service/).check();
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/overview/, { timeout: 20_000 });
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
}

export async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto("/signin");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/overview/, { timeout: 20_000 });
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out", exact: true }).click();
  await expect(page).toHaveURL(/\/signin/);
}

export async function nav(page: Page, label: string): Promise<void> {
  // A link's name may carry an unread count ("Notifications 2 unread").
  const name = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}( \\d+ unread)?$`);
  await page.getByRole("navigation", { name: "Console" }).getByRole("link", { name }).click();
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screens/console-${name}.png`, fullPage: true });
}

/** Exact micros shown by a <Money> inside the locator's scope. */
export async function microsIn(page: Page, testLabel: string): Promise<bigint> {
  const el = page.locator(`[data-stat="${testLabel}"] [data-micros]`).first();
  return BigInt((await el.getAttribute("data-micros")) ?? "NaN");
}

/** Simulated top-up of a preset amount from the billing page, through to the success page. */
export async function topUp(page: Page, usd: number): Promise<void> {
  await page.goto("/billing");
  await page.getByRole("group", { name: "Top-up amounts" }).getByRole("button", { name: `$${usd.toLocaleString("en-US")}`, exact: true }).click();
  await expect(page).toHaveURL(/\/billing\/simulate\/sim_cs_/);
  await expect(page.getByRole("heading", { level: 1, name: "Simulated payment — no real money" })).toBeVisible();
  await page.getByRole("button", { name: /^Pay \$.* \(simulated\)$/ }).click();
  await expect(page).toHaveURL(/\/billing\/success\?session_id=sim_cs_/);
  await expect(page.getByText("Credits added")).toBeVisible();
}

/** Creates a key in the console and returns its plaintext (shown once). */
export async function createKey(page: Page, name: string, opts: { tier?: string; dailyCap?: string; creditLimit?: string } = {}): Promise<string> {
  await page.goto("/keys");
  await page.getByRole("button", { name: /^Create (key|your first key)$/ }).first().click();
  const dialog = page.getByRole("dialog", { name: "Create an API key" });
  await dialog.getByLabel("Name").fill(name);
  if (opts.tier) await dialog.getByLabel("Rate limit tier").selectOption(opts.tier);
  if (opts.dailyCap) await dialog.getByLabel("Daily spend cap (USD)").fill(opts.dailyCap);
  if (opts.creditLimit) await dialog.getByLabel("Lifetime credit limit (USD)").fill(opts.creditLimit);
  await dialog.getByRole("button", { name: "Create key" }).click();
  const created = page.getByRole("dialog", { name: `Key “${name}” created` });
  await expect(created.getByText("This is the only time the full key is shown")).toBeVisible();
  const plaintext = await created.getByTestId("new-key-plaintext").inputValue();
  expect(plaintext).toMatch(/^tg_live_/);
  await created.getByRole("button", { name: "Done" }).click();
  return plaintext;
}
