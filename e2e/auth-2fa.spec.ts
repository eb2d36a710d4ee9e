// Two-factor sign-in through the UI: enrol from the Security page (QR code + key, confirmed with
// a code), recovery codes shown once, then a sign-in that asks for the code after the password.
import { expect, test } from "@playwright/test";
import * as OTPAuth from "otpauth";
import { PASSWORD, nav, signOut, signUp, uniqueEmail } from "./console/helpers";

test("enrol in two-factor, then sign in with password + code", async ({ page }) => {
  test.setTimeout(90_000);
  const email = uniqueEmail("totp");
  await signUp(page, email, "Two Factor");
  await nav(page, "Security");
  await expect(page.getByRole("heading", { level: 1, name: "Security" })).toBeVisible();
  await page.getByRole("button", { name: "Set up two-factor sign-in" }).click();
  await expect(page.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  const secret = (await page.getByTestId("totp-secret").textContent())!.trim();
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });

  const confirm = page.getByRole("form", { name: "Confirm two-factor sign-in" });
  await confirm.getByLabel("Code from the app").fill("000000");
  await confirm.getByRole("button", { name: "Turn on" }).click();
  await expect(confirm.getByText("That code is not right")).toBeVisible();
  await confirm.getByLabel("Code from the app").fill(totp.generate());
  await confirm.getByRole("button", { name: "Turn on" }).click();
  const codes = page.getByRole("list", { name: "Recovery codes" }).getByRole("listitem");
  await expect(codes).toHaveCount(10);
  await page.screenshot({ path: "test-results/screens/two-factor-recovery-codes.png", fullPage: true });
  await page.getByRole("button", { name: "I saved them" }).click();
  await expect(page.getByText("On. To turn it off")).toBeVisible();

  await signOut(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Two-factor sign-in" })).toBeVisible();
  await expect(page).toHaveURL(/\/signin/);
  await page.getByLabel("Code").fill("123456");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByText("That code is not right, or was already used.")).toBeVisible();
  // The enrolment used the current time step; the next one is accepted (±1 step of drift).
  await page.getByLabel("Code").fill(totp.generate({ timestamp: Date.now() + 30_000 }));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/overview/);
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
});

test("changing the password keeps this session and ends the others", async ({ page, browser }) => {
  test.setTimeout(90_000);
  const email = uniqueEmail("pwchange");
  await signUp(page, email, "Password Changer");
  const other = await browser.newContext();
  const p2 = await other.newPage();
  await p2.goto("/signin");
  await p2.getByLabel("Email").fill(email);
  await p2.getByLabel("Password").fill(PASSWORD);
  await p2.getByRole("button", { name: "Sign in" }).click();
  await expect(p2).toHaveURL(/\/overview/);

  await nav(page, "Security");
  const form = page.getByRole("form", { name: "Change password" });
  await form.getByLabel("Current password").fill("not the password");
  await form.getByLabel("New password", { exact: true }).fill("a brand new password");
  await form.getByLabel("Repeat the new password").fill("a brand new password");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(form.locator("#currentPassword-error")).toContainText("not right");
  await form.getByLabel("Current password").fill(PASSWORD);
  await form.getByLabel("New password", { exact: true }).fill("a brand new password");
  await form.getByLabel("Repeat the new password").fill("a brand new password");
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Password changed. Every other session was signed out.")).toBeVisible();

  // This browser stays signed in; the other one is out on its next request.
  await page.goto("/keys");
  await expect(page.getByRole("heading", { level: 1, name: "API keys" })).toBeVisible();
  await p2.goto("/keys");
  await expect(p2).toHaveURL(/\/signin/);
  await other.close();
});
