import { microsToUsdExact } from "@/lib/money";

/** "$0.075" — exact to the micro-USD, without trailing zeros beyond the cents. */
export function usdPrecise(micros: bigint): string {
  const [whole, frac] = microsToUsdExact(micros).split(".");
  const trimmed = frac.replace(/0+$/, "").padEnd(2, "0");
  return `$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${trimmed}`;
}

export const tokens = (n: number) => n.toLocaleString("en-US");
