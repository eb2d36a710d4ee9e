import { eq } from "drizzle-orm";
import { users } from "@/db/schema";
import type { Db } from "@/lib/db";

/** The user's session version, or null when the user no longer exists. */
export async function currentSessionVersion(db: Db, userId: string): Promise<number | null> {
  const [row] = await db.select({ v: users.sessionVersion }).from(users).where(eq(users.id, userId)).limit(1);
  return row?.v ?? null;
}
