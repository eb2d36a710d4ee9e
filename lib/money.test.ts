import { expect, it } from "vitest";
import { formatUsdAmount, formatUsdTotal } from "./money";

it("listed amounts keep the digits below a cent they have", () => {
  expect(formatUsdAmount(-21n)).toBe("\u2212$0.000021");
  expect(formatUsdAmount(21n)).toBe("$0.000021");
  expect(formatUsdAmount(1_500n)).toBe("$0.0015");
  expect(formatUsdAmount(10_000n)).toBe("$0.01");
  expect(formatUsdAmount(1_234_567_891n)).toBe("$1,234.567891");
  expect(formatUsdAmount(-5_000_000n)).toBe("\u2212$5.00");
  expect(formatUsdAmount(0n)).toBe("$0.00");
});

it("totals round to cents", () => {
  // A slightly negative balance stays visibly negative (the exact figure is on hover).
  expect(formatUsdTotal(-21n)).toBe("\u2212$0.00");
  expect(formatUsdTotal(-1_005_000n)).toBe("\u2212$1.01");
  expect(formatUsdTotal(1_234_567_891n)).toBe("$1,234.57");
});
