// Members and roles through the UI: invite by email, the invitee joins at sign-up, the account
// switcher, and what each role can see (finance: no keys; member: no billing).
import { expect, test } from "@playwright/test";
import { nav, shot, signUp, uniqueEmail } from "./helpers";

test("invite a teammate, switch accounts, and role rules in the UI", async ({ page, browser }) => {
  test.setTimeout(90_000);
  const ownerEmail = uniqueEmail("owner");
  const teammate = uniqueEmail("teammate");
  await signUp(page, ownerEmail, "Team Owner");
  await nav(page, "Members");
  await expect(page.getByRole("row").filter({ hasText: ownerEmail })).toContainText("Last owner");

  const invite = page.getByRole("form", { name: "Invite a member" });
  await invite.getByLabel("Email").fill("not-an-email");
  await invite.getByRole("button", { name: "Invite" }).click();
  await expect(invite.locator("#f-email-error")).toContainText("valid email");
  await invite.getByLabel("Email").fill(teammate);
  await invite.getByLabel("Role").selectOption("finance");
  await invite.getByRole("button", { name: "Invite" }).click();
  await expect(page.getByText("Invitation saved")).toBeVisible();
  await expect(page.getByRole("table", { name: "Pending invitations" })).toContainText(teammate);
  await shot(page, "members");

  // The teammate signs up in their own browser and lands in two accounts.
  const ctx = await browser.newContext();
  const p2 = await ctx.newPage();
  await signUp(p2, teammate, "Team Mate");
  const switcher = p2.getByLabel("Current account");
  await expect(switcher).toBeVisible();
  await expect(switcher.locator("option")).toHaveCount(2);
  await switcher.selectOption({ label: "Team Owner's account (finance)" });
  await expect(p2.getByText("finance", { exact: true })).toBeVisible();
  const navBar = p2.getByRole("navigation", { name: "Console" });
  await expect(navBar.getByRole("link", { name: "Billing" })).toBeVisible();
  await expect(navBar.getByRole("link", { name: "API keys" })).toHaveCount(0);
  await p2.goto("/keys");
  await expect(p2.getByText("doesn't include access to API keys")).toBeVisible();
  await shot(p2, "no-access-finance");

  // The owner makes them a plain member: keys yes, billing no.
  await page.reload();
  await expect(page.getByRole("table", { name: "Pending invitations" })).toHaveCount(0);
  // Wait for the server action itself, not just the select's DOM value.
  await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && r.url().includes("/members")),
    page.getByLabel(`Role of ${teammate}`).selectOption("member"),
  ]);
  await expect(page.getByLabel(`Role of ${teammate}`)).toHaveValue("member");
  await p2.goto("/overview");
  await expect(navBar.getByRole("link", { name: "API keys" })).toBeVisible();
  await expect(navBar.getByRole("link", { name: "Billing" })).toHaveCount(0);
  await p2.goto("/billing");
  await expect(p2.getByText("doesn't include access to billing")).toBeVisible();
  await p2.goto("/ledger");
  await expect(p2.getByText("doesn't include access to the ledger")).toBeVisible();

  // Removing them takes effect on their next request.
  const row = page.getByRole("row").filter({ hasText: teammate });
  await row.getByRole("button", { name: "Remove" }).click();
  await page.getByRole("dialog", { name: `Remove ${teammate}?` }).getByRole("button", { name: "Remove member" }).click();
  await expect(page.getByRole("row").filter({ hasText: teammate })).toHaveCount(0);
  await p2.goto("/overview");
  await expect(p2.getByLabel("Current account")).toHaveCount(0);
  await expect(p2.getByRole("banner").getByText("Team Mate's account")).toBeVisible();
  await ctx.close();
});
