// Opaque cursors for keyset pagination ("older than this row"), so pages stay stable while
// new rows arrive and deep pages cost the same as the first.
import { z } from "zod";

export function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts)).toString("base64url");
}

const partsSchema = z.array(z.union([z.string().max(200), z.number()])).min(1).max(4);

/** The cursor's parts, or null when it is missing or malformed (treated as "first page"). */
export function decodeCursor(cursor: string | null | undefined): (string | number)[] | null {
  if (!cursor || cursor.length > 600) return null;
  try {
    const parsed = partsSchema.safeParse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
