// Shared filter parsing for list pages (search params are untrusted strings).
import { z } from "zod";

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** "YYYY-MM-DD" → that UTC midnight; anything else → undefined. */
export function parseDay(value: unknown): Date | undefined {
  if (typeof value !== "string" || !DAY_RE.test(value)) return undefined;
  const d = new Date(`${value}T00:00:00.000Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value ? undefined : d;
}

export const DAY_MS = 86_400_000;

/** A [from, to) range from inclusive calendar days. */
export function dayRange(from: unknown, to: unknown): { from?: Date; to?: Date } {
  const f = parseDay(from);
  const t = parseDay(to);
  return { from: f, to: t ? new Date(t.getTime() + DAY_MS) : undefined };
}

export const pageLimitSchema = z.coerce.number().int().min(1).max(200).catch(50);

export function firstParam(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
