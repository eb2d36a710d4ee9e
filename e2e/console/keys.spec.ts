// API keys through the UI: create with limits (plaintext once), edit tier and caps, rotate with a
// grace period, revoke with confirmation — checked against the real gateway each time.
import { expect, test } from "@playwright/test";
import { createKey, nav, shot, signUp, topUp, uniqueEmail } from "./helpers";

const call = (key: string) => ({
  headers: { Authorization: `Bearer ${key}` },
  data: { model: "mock-small", max_tokens: 32, messages: [{ role: "user", content: "hi #tokens=8" }] },
});

test("create, edit, rotate and revoke a key", async ({ page, request }) => {
  test.setTimeout(90_000);
  await signUp(page, uniqueEmail("keys"));
  await topUp(page, 5);

  // Keyboard: the create dialog opens from the keyboard and Escape closes it.
  await page.goto("/keys");
  await expect(page.getByText("No API keys yet")).toBeVisible();
  await page.getByRole("button", { name: "Create key" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("dialog", { name: "Create an API key" })).toBeVisible();
  await expect(page.getByRole("dialog").getByLabel("Name")).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("dialog", { name: "Create an API key" })).toBeHidden();

  // Validation errors are shown next to the fields.
  await page.getByRole("button", { name: "Create key" }).click();
  const dialog = page.getByRole("dialog", { name: "Create an API key" });
  await dialog.getByLabel("Daily spend cap (USD)").fill("-3");
  await dialog.getByRole("button", { name: "Create key" }).click();
  await expect(dialog.locator("#f-name-error")).toContainText("Give the key a name");
  await expect(dialog.locator("#f-dailySpendCapUsd-error")).toBeVisible();
  await page.keyboard.press("Escape");

  const key = await createKey(page, "backend", { tier: "enhanced", dailyCap: "1", creditLimit: "2" });
  const row = page.getByRole("row").filter({ hasText: "backend" });
  await expect(row).toContainText(`…${key.slice(-4)}`);
  await expect(row).not.toContainText(key); // never the full key again
  await expect(row).toContainText("enhanced");
  await expect(row).toContainText("Daily: $1.00");
  await expect(row).toContainText("Lifetime: $2.00");
  await expect(row.getByText("Active")).toBeVisible();
  expect((await request.post("/api/v1/chat/completions", call(key))).status()).toBe(200);

  // Edit tier and caps (empty = no cap).
  await row.getByRole("button", { name: "Edit backend" }).click();
  const edit = page.getByRole("dialog", { name: "Edit “backend”" });
  await edit.getByLabel("Rate limit tier").selectOption("professional");
  await edit.getByLabel("Daily spend cap (USD)").fill("");
  await edit.getByRole("button", { name: "Save changes" }).click();
  await expect(edit).toBeHidden();
  await expect(row).toContainText("professional");
  await expect(row).toContainText("Daily: $15.00 (tier default)");
  await expect(row).toContainText("120/min · 10,000/day · 10 concurrent");
  const limited = await request.post("/api/v1/chat/completions", call(key));
  expect(limited.headers()["x-ratelimit-limit"]).toBe("120");

  // Rotate with a 24 h grace period: both keys work, the old one shows until when.
  await row.getByRole("button", { name: "Rotate backend" }).click();
  const rotate = page.getByRole("dialog", { name: "Rotate “backend”" });
  await rotate.getByLabel("Grace period for the old key").selectOption("24");
  await rotate.getByRole("button", { name: "Rotate key" }).click();
  const rotated = page.getByRole("dialog", { name: "Key rotated" });
  await expect(rotated.getByText(/The old key works until \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/)).toBeVisible();
  const newKey = await rotated.getByTestId("new-key-plaintext").inputValue();
  expect(newKey).not.toBe(key);
  await rotated.getByRole("button", { name: "Done" }).click();
  const oldRow = page.locator("tr").filter({ hasText: `…${key.slice(-4)}` });
  await expect(oldRow.getByText("Rotating")).toBeVisible();
  await expect(oldRow).toContainText("Works until");
  expect((await request.post("/api/v1/chat/completions", call(key))).status()).toBe(200);
  expect((await request.post("/api/v1/chat/completions", call(newKey))).status()).toBe(200);
  await shot(page, "keys-rotated");

  // Revoke the old key now, after confirming.
  await oldRow.getByRole("button", { name: "Revoke" }).click();
  const confirm = page.getByRole("dialog", { name: "Revoke “backend”?" });
  await expect(confirm).toContainText("refused immediately");
  await confirm.getByRole("button", { name: "Cancel" }).click();
  await expect(oldRow.getByText("Rotating")).toBeVisible();
  await oldRow.getByRole("button", { name: "Revoke" }).click();
  await page.getByRole("dialog", { name: "Revoke “backend”?" }).getByRole("button", { name: "Revoke key" }).click();
  await expect(oldRow.getByText("Revoked")).toBeVisible();
  // Revocation is meant to apply on the next request; the gateway's key cache TTL (≤ 5 s) is the
  // documented upper bound, so allow that much (a slower refusal is reported, not hidden).
  await expect
    .poll(async () => {
      const r = await request.post("/api/v1/chat/completions", call(key));
      return r.status() === 401 ? ((await r.json()) as { code: string }).code : String(r.status());
    }, { timeout: 6_000, intervals: [0, 250, 500, 1000] })
    .toBe("KEY_REVOKED");

  // A failed upstream call is logged without charge and can be found with the status filter.
  const failed = await request.post("/api/v1/chat/completions", {
    ...call(newKey),
    data: { model: "mock-small", max_tokens: 32, messages: [{ role: "user", content: "boom #fault=500" }] },
  });
  expect(failed.status()).toBeGreaterThanOrEqual(500);
  const failedId = failed.headers()["x-request-id"];
  await nav(page, "Usage");
  await page.getByRole("group", { name: "Time range" }).getByRole("link", { name: "7 days" }).click();
  await expect(page.getByRole("group", { name: "Time range" }).getByRole("link", { name: "7 days" })).toHaveAttribute("aria-current", "true");
  await page.getByLabel("Status").selectOption("error");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/status=error/);
  await expect(page).toHaveURL(/range=7/);
  const rows = page.getByRole("table", { name: "Request log" }).locator("tbody tr");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(failedId);
  await expect(rows.first()).toContainText("$0.00");
  await page.getByRole("group", { name: "Split charts by" }).getByRole("link", { name: "By key" }).click();
  await expect(page.getByRole("group", { name: "Split charts by" }).getByRole("link", { name: "By key" })).toHaveAttribute("aria-current", "true");
  await shot(page, "usage-filtered");
});
