// A plain in-memory model of the ledger rules (SPEC §2), used by the property test to predict
// every hold amount, balance and lot remainder the real ledger must produce.
export const DAY_MS = 86_400_000;
export const LOT_TTL_MS = 365 * DAY_MS;

export interface MLot {
  id: string;
  kind: "paid" | "grant" | "promo";
  remaining: bigint;
  expiresAt: number;
  createdAt: number;
  expired: boolean;
  sessionId?: string;
}

export interface MHold {
  id: string;
  amount: bigint;
  key: boolean;
  expiresAt: number;
  status: "pending" | "settled" | "released";
}

export class LedgerModel {
  balance = 0n;
  held = 0n;
  keySpent = 0n;
  keyHeld = 0n;
  /** The key's daily-cap bucket: charges settled on UTC day keyDay. */
  keyDay: string | null = null;
  keyDayMicros = 0n;
  lots: MLot[] = [];
  holds: MHold[] = [];

  constructor(
    public now: number,
    readonly keyLimit: bigint | null,
    readonly keyCap: bigint | null,
  ) {}

  static dayOf(ms: number): string {
    return new Date(ms).toISOString().slice(0, 10);
  }

  private fifo(): MLot[] {
    return this.lots
      .filter((l) => l.remaining > 0n)
      .sort((a, b) => a.expiresAt - b.expiresAt || a.createdAt - b.createdAt);
  }

  private consume(amount: bigint): void {
    let left = amount;
    for (const l of this.fifo()) {
      if (left === 0n) break;
      const take = l.remaining < left ? l.remaining : left;
      l.remaining -= take;
      left -= take;
    }
  }

  credit(id: string, kind: MLot["kind"], amount: bigint, expiresAt: number | undefined, sessionId?: string): void {
    let exp = expiresAt ?? this.now + LOT_TTL_MS;
    if (kind === "paid") {
      exp = this.now + LOT_TTL_MS;
      for (const l of this.lots) if (l.kind === "paid" && !l.expired && l.expiresAt > this.now && l.expiresAt < exp) l.expiresAt = exp;
    }
    const debt = this.balance < 0n ? (-this.balance < amount ? -this.balance : amount) : 0n;
    this.lots.push({ id, kind, remaining: amount - debt, expiresAt: exp, createdAt: this.now, expired: false, sessionId });
    this.balance += amount;
  }

  /** Expected placeHold outcome (amount or failure code). */
  hold(min: bigint, max: bigint, withKey: boolean): { amount: bigint } | { code: string; available: bigint } {
    const lo = min < max ? min : max;
    const pos = (v: bigint) => (v > 0n ? v : 0n);
    const avail = this.balance - this.held;
    let amt = max < avail ? max : avail;
    const rem = withKey && this.keyLimit !== null ? this.keyLimit - this.keySpent - this.keyHeld : null;
    const today = LedgerModel.dayOf(this.now);
    const spentToday = this.keyDay !== null && this.keyDay >= today ? this.keyDayMicros : 0n;
    const capLeft = withKey && this.keyCap !== null ? this.keyCap - this.keyHeld - spentToday : null;
    if (rem !== null && rem < amt) amt = rem;
    if (capLeft !== null && capLeft < amt) amt = capLeft;
    if (amt >= lo) return { amount: amt };
    if (avail < lo) return { code: "INSUFFICIENT_CREDITS", available: pos(avail) };
    if (rem !== null && rem < lo) return { code: "KEY_CREDIT_LIMIT_REACHED", available: pos(rem) };
    return { code: "DAILY_SPEND_CAP_REACHED", available: pos(capLeft ?? 0n) };
  }

  placed(id: string, amount: bigint, withKey: boolean, ttlMs: number): void {
    this.holds.push({ id, amount, key: withKey, expiresAt: this.now + ttlMs, status: "pending" });
    this.held += amount;
    if (withKey) this.keyHeld += amount;
  }

  settle(h: MHold, charge: bigint, fee: bigint): boolean {
    if (h.status !== "pending") return false;
    const total = charge + fee;
    h.status = total > 0n ? "settled" : "released";
    this.held -= h.amount;
    if (h.key) {
      this.keyHeld -= h.amount;
      this.keySpent += total;
      const today = LedgerModel.dayOf(this.now);
      if (this.keyDay === null || this.keyDay < today) {
        this.keyDay = today;
        this.keyDayMicros = total;
      } else if (this.keyDay === today) this.keyDayMicros += total;
    }
    this.balance -= total;
    this.consume(charge);
    this.consume(fee);
    return true;
  }

  refund(lot: MLot, amount: bigint): bigint {
    const take = amount < lot.remaining ? amount : lot.remaining;
    lot.remaining -= take;
    this.balance -= take;
    return take;
  }

  debit(amount: bigint): boolean {
    if (amount > this.balance) return false;
    this.balance -= amount;
    this.consume(amount);
    return true;
  }

  expire(): void {
    for (const l of this.lots) {
      if (l.expired || l.expiresAt > this.now) continue;
      this.balance -= l.remaining;
      l.remaining = 0n;
      l.expired = true;
    }
  }

  sweep(): void {
    for (const h of this.holds) if (h.status === "pending" && h.expiresAt <= this.now) this.settle(h, 0n, 0n);
  }
}
