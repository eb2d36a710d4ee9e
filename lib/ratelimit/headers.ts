// Quota headers on every authenticated /api/v1 response: the classic X-RateLimit-* trio for the
// minute window, its -Day counterparts, and the IETF fields (draft-ietf-httpapi-ratelimit-headers)
// RateLimit-Policy (every window) and RateLimit (the window closest to refusing).

export interface WindowInfo {
  limit: number;
  remaining: number;
  /** Unix seconds when the window ends. */
  resetSeconds: number;
}

export interface RateInfo extends WindowInfo {
  /** The key's UTC-day window (absent where no day quota applies, e.g. failed authentication). */
  day?: WindowInfo;
}

const DAY_SECONDS = 86_400;

export function utcDay(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 10);
}

/** Unix seconds of the next UTC midnight (the day window's reset). */
export function nextUtcMidnightSeconds(nowMs: number): number {
  return (Math.floor(nowMs / 86_400_000) + 1) * DAY_SECONDS;
}

export function rateHeaders(info: RateInfo, nowMs: number = Date.now()): Record<string, string> {
  const nowS = Math.floor(nowMs / 1000);
  const minuteLeft = Math.max(0, info.remaining);
  const h: Record<string, string> = {
    "X-RateLimit-Limit": String(info.limit),
    "X-RateLimit-Remaining": String(minuteLeft),
    "X-RateLimit-Reset": String(info.resetSeconds),
  };
  const windows = [{ name: "minute", q: info.limit, w: 60, r: minuteLeft, t: Math.max(0, info.resetSeconds - nowS) }];
  if (info.day) {
    const dayLeft = Math.max(0, info.day.remaining);
    h["X-RateLimit-Limit-Day"] = String(info.day.limit);
    h["X-RateLimit-Remaining-Day"] = String(dayLeft);
    h["X-RateLimit-Reset-Day"] = String(info.day.resetSeconds);
    windows.push({ name: "day", q: info.day.limit, w: DAY_SECONDS, r: dayLeft, t: Math.max(0, info.day.resetSeconds - nowS) });
  }
  h["RateLimit-Policy"] = windows.map((x) => `"${x.name}";q=${x.q};w=${x.w}`).join(", ");
  // The tightest window: fewest requests left; on a tie, the one that stays shut longer.
  const tight = windows.reduce((a, b) => (b.r < a.r || (b.r === a.r && b.t > a.t) ? b : a));
  h.RateLimit = `"${tight.name}";r=${tight.r};t=${tight.t}`;
  return h;
}
