// The per-call overage bound. A hold covers the conservative input estimate plus the output
// max_tokens allows, so a provider's bill exceeds it only when the estimate was beaten (a
// tokenizer denser than 3 bytes/token, an image above IMAGE_TOKENS, a context window entered too
// small). Such a call is still charged beyond its hold — the balance may go below zero — but by
// at most OVERAGE_MAX_MICROS; anything the provider billed beyond that is written off (recorded
// as uncharged, never charged). An account can therefore end at worst at
// −(OVERAGE_MAX_MICROS × calls in flight at once), and its concurrency limit bounds that count.

/** Default bound: $0.05 per call. */
export const DEFAULT_OVERAGE_MAX_MICROS = BigInt(50_000);

export interface BoundedCharge {
  /** What to book (charge + fee) — at most hold + bound. */
  amountMicros: bigint;
  /** Booked beyond the hold. */
  overageMicros: bigint;
  /** Billed by the usage but not booked (beyond the bound). */
  unchargedMicros: bigint;
}

/** Caps `amountMicros` (what the usage costs us to charge) at `holdMicros + maxOverageMicros`. */
export function boundOverage(amountMicros: bigint, holdMicros: bigint, maxOverageMicros: bigint): BoundedCharge {
  const zero = BigInt(0);
  const bound = maxOverageMicros > zero ? maxOverageMicros : zero;
  const ceiling = holdMicros + bound;
  const booked = amountMicros > ceiling ? ceiling : amountMicros;
  return {
    amountMicros: booked,
    overageMicros: booked > holdMicros ? booked - holdMicros : zero,
    unchargedMicros: amountMicros - booked,
  };
}
