// Every console page at phone width: no sideways page scroll (wide tables scroll inside their
// own container) and the navigation stays reachable. Screenshots are kept as artifacts.
import { expect, test } from "@playwright/test";
import { createKey, signUp, topUp, uniqueEmail } from "./helpers";

test.use({ viewport: { width: 390, height: 844 } });

test("console pages fit a phone screen", async ({ page }) => {
  test.setTimeout(90_000);
  await signUp(page, uniqueEmail("mobile"));
  // Some data, so the tables render.
  await topUp(page, 25);
  await createKey(page, "phone key");
  for (const path of ["/overview", "/keys", "/usage", "/billing", "/ledger", "/disputes", "/disputes/new", "/members", "/notifications"]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Console" })).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${path} scrolls sideways by ${overflow}px`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: `test-results/screens/console-mobile${path.replace(/\//g, "-")}.png`, fullPage: true });
  }
});
