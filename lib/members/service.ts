// Account members and invitations. Role changes are serialised per account (advisory lock)
// so two concurrent demotions can never leave an account without an owner.
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import { invitations, memberships, users } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { writeAudit } from "@/lib/audit";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { Role } from "@/lib/auth/permissions";
import { authorize, roleOf, type ActorCtx } from "@/lib/accounts/authorize";
import type { InviteInput } from "./schemas";

export interface MemberView {
  userId: string;
  email: string;
  name: string | null;
  role: Role;
  createdAt: Date;
}

export interface InvitationView {
  id: string;
  email: string;
  role: Role;
  createdAt: Date;
}

export async function listMembers(db: DbOrTx, ctx: ActorCtx): Promise<{ members: MemberView[]; invitations: InvitationView[] }> {
  await authorize(db, ctx, "members:read");
  const members = await db
    .select({ userId: users.id, email: users.email, name: users.name, role: memberships.role, createdAt: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.accountId, ctx.accountId))
    .orderBy(asc(memberships.createdAt), asc(users.email));
  const pending = await db
    .select({ id: invitations.id, email: invitations.email, role: invitations.role, createdAt: invitations.createdAt })
    .from(invitations)
    .where(and(eq(invitations.accountId, ctx.accountId), isNull(invitations.acceptedAt)))
    .orderBy(asc(invitations.createdAt));
  return { members, invitations: pending };
}

async function lockMembers(tx: DbOrTx, accountId: string): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`members:${accountId}`}, 0))`);
}

async function ownerCount(tx: DbOrTx, accountId: string): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(memberships)
    .where(and(eq(memberships.accountId, accountId), eq(memberships.role, "owner")));
  return Number(row?.n ?? 0);
}

/** Only owners may hand out or take away the owner role. */
function assertMayAssign(actorRole: Role, role: Role): void {
  if (role === "owner" && actorRole !== "owner") throw new AppError("FORBIDDEN", "Only an owner can make someone an owner.");
}

export type InviteResult = { kind: "added"; userId: string } | { kind: "invited"; invitationId: string };

/**
 * Adds the user at once when the email already has an account; otherwise records an
 * invitation that is applied when that email signs up (acceptPendingInvitations).
 */
export async function inviteMember(db: DbOrTx, ctx: ActorCtx, input: InviteInput): Promise<InviteResult> {
  return db.transaction(async (tx) => {
    const actorRole = await authorize(tx, ctx, "members:write");
    assertMayAssign(actorRole, input.role);
    await lockMembers(tx, ctx.accountId);
    const email = input.email.trim().toLowerCase();
    const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.email, email)).limit(1);
    if (existing) {
      if (await roleOf(tx, existing.id, ctx.accountId)) throw new AppError("CONFLICT", `${email} is already a member of this account.`, { param: "email" });
      await tx.insert(memberships).values({ accountId: ctx.accountId, userId: existing.id, role: input.role });
      await writeAudit(tx, { accountId: ctx.accountId, actorUserId: ctx.userId, actorKind: "user", action: "member.add", targetType: "user", targetId: existing.id, data: { email, role: input.role } });
      return { kind: "added", userId: existing.id };
    }
    const id = newId("invitation");
    const [row] = await tx
      .insert(invitations)
      .values({ id, accountId: ctx.accountId, email, role: input.role, invitedBy: ctx.userId })
      .onConflictDoUpdate({
        target: [invitations.accountId, invitations.email],
        set: { role: input.role, invitedBy: ctx.userId, acceptedAt: null, createdAt: sql`now()` },
      })
      .returning({ id: invitations.id });
    await writeAudit(tx, { accountId: ctx.accountId, actorUserId: ctx.userId, actorKind: "user", action: "member.invite", targetType: "invitation", targetId: row.id, data: { email, role: input.role } });
    return { kind: "invited", invitationId: row.id };
  });
}

export async function changeMemberRole(db: DbOrTx, ctx: ActorCtx, input: { userId: string; role: Role }): Promise<{ role: Role }> {
  return db.transaction(async (tx) => {
    const actorRole = await authorize(tx, ctx, "members:write");
    await lockMembers(tx, ctx.accountId);
    const current = await roleOf(tx, input.userId, ctx.accountId);
    if (!current) throw new AppError("NOT_FOUND", "That person is not a member of this account.");
    if (current === input.role) return { role: current };
    assertMayAssign(actorRole, input.role);
    if (current === "owner") {
      if (actorRole !== "owner") throw new AppError("FORBIDDEN", "Only an owner can change an owner's role.");
      if ((await ownerCount(tx, ctx.accountId)) <= 1) throw new AppError("CONFLICT", "An account needs at least one owner. Make someone else an owner first.");
    }
    await tx.update(memberships).set({ role: input.role }).where(and(eq(memberships.accountId, ctx.accountId), eq(memberships.userId, input.userId)));
    await writeAudit(tx, { accountId: ctx.accountId, actorUserId: ctx.userId, actorKind: "user", action: "member.role_change", targetType: "user", targetId: input.userId, data: { from: current, to: input.role } });
    return { role: input.role };
  });
}

/** Removes a member. Anyone may leave an account themselves; removing others needs members:write. */
export async function removeMember(db: DbOrTx, ctx: ActorCtx, input: { userId: string }): Promise<{ removed: true }> {
  return db.transaction(async (tx) => {
    const self = input.userId === ctx.userId;
    const actorRole = self ? await roleOf(tx, ctx.userId, ctx.accountId) : await authorize(tx, ctx, "members:write");
    if (!actorRole) throw new AppError("FORBIDDEN", "Your role in this account does not allow this.");
    await lockMembers(tx, ctx.accountId);
    const current = await roleOf(tx, input.userId, ctx.accountId);
    if (!current) throw new AppError("NOT_FOUND", "That person is not a member of this account.");
    if (current === "owner") {
      if (!self && actorRole !== "owner") throw new AppError("FORBIDDEN", "Only an owner can remove an owner.");
      if ((await ownerCount(tx, ctx.accountId)) <= 1) throw new AppError("CONFLICT", "An account needs at least one owner. Make someone else an owner first.");
    }
    await tx.delete(memberships).where(and(eq(memberships.accountId, ctx.accountId), eq(memberships.userId, input.userId)));
    await writeAudit(tx, { accountId: ctx.accountId, actorUserId: ctx.userId, actorKind: "user", action: self ? "member.leave" : "member.remove", targetType: "user", targetId: input.userId, data: { role: current } });
    return { removed: true as const };
  });
}

export async function revokeInvitation(db: DbOrTx, ctx: ActorCtx, input: { invitationId: string }): Promise<{ revoked: true }> {
  return db.transaction(async (tx) => {
    const actorRole = await authorize(tx, ctx, "members:write");
    const [inv] = await tx
      .select({ id: invitations.id, role: invitations.role, email: invitations.email })
      .from(invitations)
      .where(and(eq(invitations.id, input.invitationId), eq(invitations.accountId, ctx.accountId), isNull(invitations.acceptedAt)))
      .limit(1);
    if (!inv) throw new AppError("NOT_FOUND", "Invitation not found.");
    assertMayAssign(actorRole, inv.role);
    await tx.delete(invitations).where(eq(invitations.id, inv.id));
    await writeAudit(tx, { accountId: ctx.accountId, actorUserId: ctx.userId, actorKind: "user", action: "member.invite_revoke", targetType: "invitation", targetId: inv.id, data: { email: inv.email, role: inv.role } });
    return { revoked: true as const };
  });
}

/**
 * Applies every pending invitation for this email: called at sign-up (and safe to call again —
 * an invitation is marked accepted once and an existing membership is left as it is).
 */
export async function acceptPendingInvitations(db: DbOrTx, userId: string, email: string): Promise<{ accountIds: string[] }> {
  const normalized = email.trim().toLowerCase();
  return db.transaction(async (tx) => {
    const pending = await tx
      .select({ id: invitations.id, accountId: invitations.accountId, role: invitations.role, invitedBy: invitations.invitedBy })
      .from(invitations)
      .where(and(eq(invitations.email, normalized), isNull(invitations.acceptedAt)))
      .for("update");
    const accountIds: string[] = [];
    for (const inv of pending) {
      const inserted = await tx
        .insert(memberships)
        .values({ accountId: inv.accountId, userId, role: inv.role })
        .onConflictDoNothing()
        .returning({ accountId: memberships.accountId });
      await tx.update(invitations).set({ acceptedAt: sql`now()` }).where(eq(invitations.id, inv.id));
      if (inserted.length) {
        accountIds.push(inv.accountId);
        await writeAudit(tx, { accountId: inv.accountId, actorUserId: userId, actorKind: "user", action: "member.invite_accept", targetType: "invitation", targetId: inv.id, data: { email: normalized, role: inv.role, invitedBy: inv.invitedBy } });
      }
    }
    return { accountIds };
  });
}
