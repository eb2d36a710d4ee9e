// Per-day series for the usage and overview charts. Days are UTC and every day of the range
// is present (zero-filled) so charts don't silently skip quiet days.
import { DAY_MS } from "@/lib/accounts/filters";

export const USAGE_RANGES = [7, 30, 90] as const;
export type UsageRange = (typeof USAGE_RANGES)[number];

export function normalizeRange(value: unknown, fallback: UsageRange = 30): UsageRange {
  const n = Number(value);
  return (USAGE_RANGES as readonly number[]).includes(n) ? (n as UsageRange) : fallback;
}

/** The first UTC midnight of a range of `days` days ending today (inclusive). */
export function rangeStart(days: number, now: Date): Date {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return new Date(today - (days - 1) * DAY_MS);
}

export function dayKeys(days: number, now: Date): string[] {
  const start = rangeStart(days, now).getTime();
  return Array.from({ length: days }, (_, i) => new Date(start + i * DAY_MS).toISOString().slice(0, 10));
}

/** A raw day value from PostgreSQL (Date, or text) → "YYYY-MM-DD". */
export function dayKey(value: unknown): string {
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  return String(value).slice(0, 10);
}

export interface StackInput {
  day: string;
  series: string;
  value: number;
}

/**
 * Day × series table for a stacked chart. Keeps the `maxSeries - 1` largest series and folds
 * the rest into "Other" so the legend stays readable.
 */
export function stack(days: string[], points: StackInput[], maxSeries = 7): { series: string[]; rows: Record<string, string | number>[] } {
  const totals = new Map<string, number>();
  for (const p of points) totals.set(p.series, (totals.get(p.series) ?? 0) + p.value);
  const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([s]) => s);
  const keep = new Set(ranked.length > maxSeries ? ranked.slice(0, maxSeries - 1) : ranked);
  const series = ranked.filter((s) => keep.has(s));
  if (ranked.length > keep.size) series.push("Other");
  const byDay = new Map<string, Record<string, string | number>>(days.map((d) => [d, { day: d, ...Object.fromEntries(series.map((s) => [s, 0])) }]));
  for (const p of points) {
    const row = byDay.get(p.day);
    if (!row) continue;
    const name = keep.has(p.series) ? p.series : "Other";
    row[name] = (row[name] as number) + p.value;
  }
  return { series, rows: [...byDay.values()] };
}
