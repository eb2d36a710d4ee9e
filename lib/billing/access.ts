// Role checks for billing functions. The role is read from the database on every call, so a
// function called from a page, a route, the CLI or a test refuses a user of another account.
import { and, eq } from "drizzle-orm";
import { memberships } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { can, type Permission, type Role } from "@/lib/auth/permissions";

/** Who is acting, in which account: from the session, never from client input. */
export interface BillingContext {
  accountId: string;
  userId: string;
}

export async function requireAccountPermission(db: DbOrTx, ctx: BillingContext, permission: Permission): Promise<Role> {
  if (!ctx?.accountId || !ctx?.userId) throw new AppError("FORBIDDEN", "Not allowed");
  const [row] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.accountId, ctx.accountId), eq(memberships.userId, ctx.userId)))
    .limit(1);
  // One message for "not a member" and "role too weak": never reveal which accounts exist.
  if (!row || !can(row.role, permission)) throw new AppError("FORBIDDEN", "Your role in this account does not allow this.");
  return row.role;
}
