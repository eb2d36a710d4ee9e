// Authorization for every console lib function. The role is read from the database on each
// call (not trusted from the caller), so a lib function called from anywhere — server action,
// route handler, CLI, test — refuses a user of another account or a role without the right.
import { and, eq } from "drizzle-orm";
import { memberships, users } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { can, type Permission, type Role } from "@/lib/auth/permissions";

/** Who is acting, in which account. Comes from the session, never from client input. */
export interface ActorCtx {
  userId: string;
  accountId: string;
}

export async function roleOf(db: DbOrTx, userId: string, accountId: string): Promise<Role | null> {
  const [row] = await db
    .select({ role: memberships.role })
    .from(memberships)
    .where(and(eq(memberships.userId, userId), eq(memberships.accountId, accountId)))
    .limit(1);
  return row?.role ?? null;
}

/** The actor's role in the account, if it grants `permission`; FORBIDDEN otherwise. */
export async function authorize(db: DbOrTx, ctx: ActorCtx, permission: Permission): Promise<Role> {
  if (!ctx.userId || !ctx.accountId) throw new AppError("FORBIDDEN", "Not allowed");
  const role = await roleOf(db, ctx.userId, ctx.accountId);
  // Same message for "not a member" and "role too weak": don't reveal which accounts exist.
  if (!role || !can(role, permission)) throw new AppError("FORBIDDEN", "Your role in this account does not allow this.");
  return role;
}

/** Staff (operator) actions: the flag is re-read from the database. */
export async function requireStaff(db: DbOrTx, userId: string): Promise<void> {
  const [row] = await db.select({ isStaff: users.isStaff }).from(users).where(eq(users.id, userId)).limit(1);
  if (!row?.isStaff) throw new AppError("FORBIDDEN", "Only staff can do this.");
}

export { isUniqueViolation } from "@/lib/db/errors";
