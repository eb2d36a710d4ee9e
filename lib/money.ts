// Money is integer micro-USD (bigint). These helpers are the only place USD strings are made.
export const MICROS_PER_USD = BigInt(1_000_000);
const MILLION = BigInt(1_000_000);

/** Cost of a call: ceil((in_tok*in_price + out_tok*out_price) / 1e6), prices per million tokens. */
export function costMicros(inputTokens: number, outputTokens: number, inputPriceMicrosPerMtok: bigint, outputPriceMicrosPerMtok: bigint): bigint {
  const total = BigInt(inputTokens) * inputPriceMicrosPerMtok + BigInt(outputTokens) * outputPriceMicrosPerMtok;
  return ceilDiv(total, MILLION);
}

export function ceilDiv(a: bigint, b: bigint): bigint {
  if (b <= BigInt(0)) throw new RangeError("divisor must be positive");
  if (a <= BigInt(0)) return -((-a) / b);
  return (a + b - BigInt(1)) / b;
}

/** Exact decimal USD with 6 places: -1234567n → "-1.234567". */
export function microsToUsdExact(micros: bigint): string {
  const negative = micros < BigInt(0);
  const abs = negative ? -micros : micros;
  const whole = abs / MICROS_PER_USD;
  const frac = (abs % MICROS_PER_USD).toString().padStart(6, "0");
  return `${negative ? "-" : ""}${whole}.${frac}`;
}

/** Display USD with 2 decimals (rounded half away from zero), e.g. "$1,234.57". */
export function formatUsd(micros: bigint): string {
  const negative = micros < BigInt(0);
  const abs = negative ? -micros : micros;
  const cents = (abs + BigInt(5_000)) / BigInt(10_000);
  const whole = (cents / BigInt(100)).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const frac = (cents % BigInt(100)).toString().padStart(2, "0");
  return `${negative ? "-" : ""}$${whole}.${frac}`;
}

const MINUS = "\u2212";

/**
 * A listed amount (a charge, a ledger line) with the digits it needs: cents at least, more only
 * when the amount has them, so a 21-micro charge reads "−$0.000021" instead of "−$0.00".
 * Uses the typographic minus; thousands are grouped like formatUsd.
 */
export function formatUsdAmount(micros: bigint): string {
  const exact = microsToUsdExact(micros < BigInt(0) ? -micros : micros);
  const [whole, frac] = exact.split(".");
  const digits = frac.replace(/0+$/, "").padEnd(2, "0");
  return `${micros < BigInt(0) ? MINUS : ""}$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${digits}`;
}

/** formatUsd with the typographic minus, for totals and balances on screen. */
export function formatUsdTotal(micros: bigint): string {
  return formatUsd(micros).replace(/^-/, MINUS);
}

/** Parse a decimal USD amount ("12", "12.5", "0.000001") into micros; rejects more than 6 decimals. */
export function usdToMicros(usd: string | number): bigint {
  const text = typeof usd === "number" ? usd.toString() : usd.trim();
  const match = /^(-)?(\d+)(?:\.(\d{1,6}))?$/.exec(text);
  if (!match) throw new RangeError(`not a USD amount: ${text}`);
  const [, sign, whole, frac = ""] = match;
  const value = BigInt(whole) * MICROS_PER_USD + BigInt(frac.padEnd(6, "0"));
  return sign ? -value : value;
}

/** JSON-friendly USD number for API responses (exact to the micro). */
export function microsToUsdNumber(micros: bigint): number {
  return Number(microsToUsdExact(micros));
}
