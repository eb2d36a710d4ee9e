/** Joins class names, skipping falsy values (a tiny clsx; keeps components dependency-free). */
export function cn(...parts: (string | false | null | undefined)[]): string {
  return parts.filter(Boolean).join(" ");
}
