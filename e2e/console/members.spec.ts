// Members and roles through the UI, with real email: sign up → verify (the link is caught by a
// local SMTP server, smtp-server + mailparser) → invite → the invitee signs up, is refused until
// verified, accepts the emailed link → account switcher and role rules (finance: no keys;
// member: no billing) → removal. The only spec that listens on the e2e SMTP port.
import { expect, test, type Page } from "@playwright/test";
import { smtpPort } from "../../playwright.config";
import { startMailCatcher, type MailCatcher } from "../../tests/helpers/mail-catcher";
import { nav, shot, signUp, uniqueEmail } from "./helpers";

let mail: MailCatcher;
test.beforeAll(async () => {
  mail = await startMailCatcher(smtpPort);
});
test.afterAll(async () => {
  await mail?.close();
});

/** Opens an emailed link on the test server's origin (the mail carries APP_URL's host). */
async function openLink(page: Page, to: string, path: string, subject?: RegExp): Promise<void> {
  const link = new URL(await mail.linkFrom(to, path, subject));
  await page.goto(`${link.pathname}${link.search}`);
}

async function verifyEmail(page: Page, email: string): Promise<void> {
  await openLink(page, email, "/verify-email");
  await page.getByRole("button", { name: "Verify my email" }).click();
  await expect(page.getByText(`${email} is verified.`)).toBeVisible();
  await page.getByRole("link", { name: "Go to the console" }).click();
  await expect(page.getByRole("region", { name: "Email verification" })).toHaveCount(0);
}

test("sign up, verify, invite by email link, accept; then switch accounts and role rules", async ({ page, browser }) => {
  test.setTimeout(120_000);
  const ownerEmail = uniqueEmail("owner");
  const teammate = uniqueEmail("teammate");
  await signUp(page, ownerEmail, "Team Owner");
  await expect(page.getByRole("region", { name: "Email verification" })).toContainText(ownerEmail);
  await verifyEmail(page, ownerEmail);

  await nav(page, "Members");
  await expect(page.getByRole("row").filter({ hasText: ownerEmail })).toContainText("Last owner");
  const invite = page.getByRole("form", { name: "Invite a member" });
  await invite.getByLabel("Email").fill("not-an-email");
  await invite.getByRole("button", { name: "Invite" }).click();
  await expect(invite.locator("#f-email-error")).toContainText("valid email");
  await invite.getByLabel("Email").fill(teammate);
  await invite.getByLabel("Role").selectOption("finance");
  await invite.getByRole("button", { name: "Invite" }).click();
  await expect(page.getByText("Invitation sent")).toBeVisible();
  await expect(page.getByRole("table", { name: "Pending invitations" })).toContainText(teammate);
  await shot(page, "members");

  // The teammate signs up with the invited address: that alone joins nothing.
  const ctx = await browser.newContext();
  const p2 = await ctx.newPage();
  await signUp(p2, teammate, "Team Mate");
  await expect(p2.getByLabel("Current account")).toHaveCount(0);
  // The link asks for a verified address first.
  await openLink(p2, teammate, "/invite", /invited/);
  await expect(p2.getByRole("heading", { name: "Join Team Owner's account" })).toBeVisible();
  await p2.getByRole("button", { name: "Accept invitation" }).click();
  await expect(p2.getByText("Verify your email address first")).toBeVisible();
  await verifyEmail(p2, teammate);
  await openLink(p2, teammate, "/invite", /invited/);
  await p2.getByRole("button", { name: "Accept invitation" }).click();
  await expect(p2).toHaveURL(/\/overview/);

  const switcher = p2.getByLabel("Current account");
  await expect(switcher).toBeVisible();
  await expect(switcher.locator("option")).toHaveCount(2);
  // Accepting lands in the account just joined.
  await expect(switcher.locator("option:checked")).toHaveText("Team Owner's account (finance)");
  await expect(p2.getByText("finance", { exact: true })).toBeVisible();
  const navBar = p2.getByRole("navigation", { name: "Console" });
  await expect(navBar.getByRole("link", { name: "Billing" })).toBeVisible();
  await expect(navBar.getByRole("link", { name: "API keys" })).toHaveCount(0);
  await p2.goto("/keys");
  await expect(p2.getByText("doesn't include access to API keys")).toBeVisible();
  await shot(p2, "no-access-finance");
  // The link worked once.
  await openLink(p2, teammate, "/invite", /invited/);
  await expect(p2.getByText("This invitation link is invalid, used, revoked or expired")).toBeVisible();

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

  // The owner's audit log shows the invitation and the sign-ins.
  await nav(page, "Activity");
  await expect(page.getByRole("table", { name: "Audit log" })).toContainText("member.invite_accept");
  await page.getByLabel("What").selectOption("security");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByRole("table", { name: "Audit log" })).toContainText("auth.email_verified");

  // Removing them takes effect on their next request.
  await nav(page, "Members");
  const row = page.getByRole("row").filter({ hasText: teammate });
  await row.getByRole("button", { name: "Remove" }).click();
  await page.getByRole("dialog", { name: `Remove ${teammate}?` }).getByRole("button", { name: "Remove member" }).click();
  await expect(page.getByRole("row").filter({ hasText: teammate })).toHaveCount(0);
  await p2.goto("/overview");
  await expect(p2.getByLabel("Current account")).toHaveCount(0);
  await expect(p2.getByRole("banner").getByText("Team Mate's account")).toBeVisible();
  await ctx.close();
});
