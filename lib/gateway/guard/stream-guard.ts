// Time limits of one streamed call, so nobody can keep an upstream socket, a hold and a
// concurrency slot for ever:
// - a total-duration cap (STREAM_MAX_SECONDS, default 900) from the moment the stream starts;
// - a slow-reader bound (STREAM_STALL_SECONDS, default 30): the stream is pull-driven (an event
//   is read from upstream only when the client has taken the previous one), so a client that
//   stops reading stops the upstream read too — and would hold it open indefinitely. If the
//   client has not asked for the next event this long after the last one was handed over, the
//   call ends.
// Either way the stream ends as an abort (the existing rule: input estimate + output delivered,
// never above the hold) and the upstream connection is closed.

export type StreamLimit = "duration" | "stalled";

export interface StreamGuardOptions {
  maxMs: number;
  stallMs: number;
  onLimit(limit: StreamLimit): void;
}

export class StreamGuard {
  private total: ReturnType<typeof setTimeout> | null = null;
  private stall: ReturnType<typeof setTimeout> | null = null;
  private fired: StreamLimit | null = null;
  private stopped = false;
  private waiting = false;
  private handedAt = 0;

  constructor(private readonly opts: StreamGuardOptions) {}

  /** The stream started: the duration cap runs from now. */
  start(): this {
    if (this.opts.maxMs > 0) {
      this.total = setTimeout(() => this.fire("duration"), this.opts.maxMs);
      this.total.unref?.();
    }
    return this;
  }

  /** Which limit ended the stream, if one did. */
  get limit(): StreamLimit | null {
    return this.fired;
  }

  /** An event was handed to the client: it must ask for the next one within stallMs. */
  handedOver(): void {
    if (this.stopped || this.opts.stallMs <= 0) return;
    this.waiting = true;
    this.handedAt = Date.now();
    // One timer at a time, not one per event: it re-arms itself for what is left.
    if (!this.stall) this.armStall(this.opts.stallMs);
  }

  /** The client asked for more. */
  pulled(): void {
    this.waiting = false;
  }

  private armStall(ms: number): void {
    this.stall = setTimeout(() => {
      this.stall = null;
      if (!this.waiting || this.stopped) return;
      const left = this.opts.stallMs - (Date.now() - this.handedAt);
      if (left <= 0) this.fire("stalled");
      else this.armStall(left);
    }, ms);
    this.stall.unref?.();
  }

  /** The stream ended for any reason: no limit can fire any more. */
  stop(): void {
    this.stopped = true;
    if (this.total) clearTimeout(this.total);
    if (this.stall) clearTimeout(this.stall);
    this.total = this.stall = null;
  }

  private fire(limit: StreamLimit): void {
    if (this.fired || this.stopped) return;
    this.fired = limit;
    this.stop();
    this.opts.onLimit(limit);
  }
}

/** The limits from the environment (seconds), as milliseconds. */
export function streamLimits(env: { STREAM_MAX_SECONDS: number; STREAM_STALL_SECONDS: number }): { maxMs: number; stallMs: number } {
  return { maxMs: env.STREAM_MAX_SECONDS * 1000, stallMs: env.STREAM_STALL_SECONDS * 1000 };
}
