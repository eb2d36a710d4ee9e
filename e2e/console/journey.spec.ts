// The whole customer journey through the UI: sign up → simulated top-up → create a key → call
// the API with it → see the request and the charge → download the CSV → dispute the charge →
// staff refunds it → the balance is restored to the micro-dollar.
import { expect, test } from "@playwright/test";
import { createKey, microsIn, nav, shot, signIn, signOut, signUp, STAFF, topUp, uniqueEmail } from "./helpers";

test("sign up, top up, call the API, dispute the charge, get refunded", async ({ page, request }) => {
  test.setTimeout(150_000);
  const email = uniqueEmail("journey");
  await signUp(page, email, "Journey Customer");
  await shot(page, "overview-empty");

  // Simulated top-up of $10.
  await topUp(page, 10);
  await shot(page, "billing-success");
  await page.goto("/overview");
  expect(await microsIn(page, "Balance")).toBe(10_000_000n);

  // A key, used for a real call through the gateway (mock upstream behind it).
  const key = await createKey(page, "journey key");
  await shot(page, "keys");
  const res = await request.post("/api/v1/chat/completions", {
    headers: { Authorization: `Bearer ${key}` },
    data: { model: "mock-large", max_tokens: 4000, messages: [{ role: "user", content: "Write something long #tokens=2000" }] },
  });
  expect(res.status()).toBe(200);
  const requestId = res.headers()["x-request-id"];
  expect(requestId).toBeTruthy();
  const body = (await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } };
  expect(body.usage.completion_tokens).toBe(2000);
  // mock-large: $3 / $15 per Mtok.
  const expectedCost = BigInt(Math.ceil((body.usage.prompt_tokens * 3_000_000 + 2000 * 15_000_000) / 1_000_000));

  // Usage: the request is in the log, with its cost; its detail page shows the charge.
  await nav(page, "Usage");
  await expect(page.getByRole("heading", { level: 1, name: "Usage" })).toBeVisible();
  const logRow = page.getByRole("row").filter({ hasText: requestId });
  // The gateway books the call right after its answer; the console, a process of its own, may
  // render the page a moment before that commit (documented: other processes see a booking
  // milliseconds later). Reload until it is there.
  await expect(async () => {
    if ((await logRow.count()) === 0) await page.reload();
    await expect(logRow).toContainText("mock-large", { timeout: 1_000 });
  }).toPass({ timeout: 15_000 });
  await expect(logRow).toContainText("200");
  await expect(logRow).toContainText("reported");
  await shot(page, "usage");
  await logRow.getByRole("link", { name: requestId, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Request" })).toBeVisible();
  await expect(page.locator(`[data-micros="${expectedCost}"]`).first()).toBeVisible();
  await shot(page, "request-detail");

  // Ledger: the charge with its running balance.
  await nav(page, "Ledger");
  const chargeRow = page.locator('tr[data-entry-type="charge"]').first();
  await expect(chargeRow).toContainText(requestId);
  await expect(chargeRow.locator(`[data-micros="-${expectedCost}"]`)).toBeVisible();
  await expect(chargeRow.locator(`[data-micros="${10_000_000n - expectedCost}"]`)).toBeVisible();
  await shot(page, "ledger");

  // CSV export with the page's filters.
  await page.getByLabel("Type").selectOption("charge");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/type=charge/);
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
  const csv = await (await download.createReadStream()).toArray();
  const text = Buffer.concat(csv as Buffer[]).toString("utf8");
  const lines = text.trim().split(/\r?\n/);
  expect(lines[0]).toBe("entry_id,created_at,account_id,account_name,type,amount_usd,amount_micros,balance_after_usd,request_id,lot_id,stripe_reference,description,receipt_url");
  expect(lines).toHaveLength(2); // header + the one charge (the top-up is filtered out)
  expect(lines[1]).toContain(requestId);
  expect(lines[1]).toContain(`,-${expectedCost},`);

  // Dispute the charge from its ledger row.
  await page.locator('tr[data-entry-type="charge"]').first().getByRole("link", { name: /Dispute charge/ }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Open a dispute" })).toBeVisible();
  await page.getByLabel("Amount to refund (USD, optional)").fill("1000");
  await page.getByLabel("What went wrong?").fill("The output was repetitive nonsense: 2000 times the same word.");
  await page.getByRole("button", { name: "Open dispute" }).click();
  await expect(page.locator("#f-amountUsd-error")).toContainText("at most the charge");
  await page.getByLabel("Amount to refund (USD, optional)").fill("");
  await page.getByRole("button", { name: "Open dispute" }).click();
  await expect(page).toHaveURL(/\/disputes\/dsp_/);
  const disputeId = page.url().split("/").pop()!;
  await expect(page.getByText("Open", { exact: true }).first()).toBeVisible();
  await page.getByRole("textbox", { name: "Add a message" }).fill("Request id for reference: " + requestId);
  await page.getByRole("button", { name: "Send message" }).click();
  await expect(page.getByText("Request id for reference: " + requestId)).toBeVisible();
  await shot(page, "dispute-customer");
  await signOut(page);

  // Staff refunds it (twice, as an impatient operator would: still one refund).
  await signIn(page, STAFF.email, STAFF.password);
  await page.goto("/staff/disputes");
  await expect(page.getByRole("heading", { level: 1, name: "Dispute queue" })).toBeVisible();
  await page.getByRole("link", { name: disputeId }).click();
  await expect(page.getByText("Request id for reference: " + requestId)).toBeVisible();
  await shot(page, "staff-dispute");
  const refund = page.getByRole("form", { name: "Refund dispute" });
  await refund.getByLabel("Note to the customer (optional)").fill("Sorry about that — refunded in full.");
  await refund.getByRole("button", { name: "Refund" }).dblclick();
  await expect(page.getByText("credited as a ledger adjustment")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Resolve" })).toHaveCount(0);
  await signOut(page);

  // The customer's balance is back to exactly $10, with an adjustment in the ledger and a notification.
  await signIn(page, email);
  expect(await microsIn(page, "Balance")).toBe(10_000_000n);
  await nav(page, "Ledger");
  const adjustment = page.locator('tr[data-entry-type="adjustment"]');
  await expect(adjustment).toHaveCount(1);
  await expect(adjustment.locator(`[data-micros="${expectedCost}"]`).first()).toBeVisible();
  await expect(adjustment.locator('[data-micros="10000000"]')).toBeVisible();
  await page.goto(`/disputes/${disputeId}`);
  await expect(page.getByText("Sorry about that — refunded in full.")).toBeVisible();
  await nav(page, "Notifications");
  await expect(page.getByText("Dispute refunded")).toBeVisible();
  await shot(page, "notifications");
  await page.getByRole("button", { name: "Mark all as read" }).click();
  await expect(page.getByText("You're all caught up.")).toBeVisible();

  // The request row offers "Dispute" too; this charge already has one.
  await nav(page, "Usage");
  await page.getByRole("link", { name: `Dispute request ${requestId}` }).click();
  await expect(page.getByText("Already disputed")).toBeVisible();
  await expect(page.getByRole("link", { name: disputeId })).toBeVisible();
});
