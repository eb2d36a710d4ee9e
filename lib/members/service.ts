// Account members and invitations. Role changes are serialised per account (advisory lock)
// so two concurrent demotions can never leave an account without an owner.
import { and, asc, eq, gt, isNull, sql } from "drizzle-orm";
import { accounts, invitations, memberships, users } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { writeAudit } from "@/lib/audit";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { appLink, deliverLinkMail } from "@/lib/mail/links";
import { hashSecret, isTokenShaped, newSecret } from "@/lib/auth/tokens";
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
  expiresAt: Date;
}

const INVITATION_TTL = "7 days";

export async function listMembers(db: DbOrTx, ctx: ActorCtx): Promise<{ members: MemberView[]; invitations: InvitationView[] }> {
  await authorize(db, ctx, "members:read");
  const members = await db
    .select({ userId: users.id, email: users.email, name: users.name, role: memberships.role, createdAt: memberships.createdAt })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.accountId, ctx.accountId))
    .orderBy(asc(memberships.createdAt), asc(users.email));
  const pending = await db
    .select({ id: invitations.id, email: invitations.email, role: invitations.role, createdAt: invitations.createdAt, expiresAt: invitations.expiresAt })
    .from(invitations)
    .where(and(eq(invitations.accountId, ctx.accountId), isNull(invitations.acceptedAt), gt(invitations.expiresAt, sql`now()`)))
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

export type InviteResult = { kind: "invited"; invitationId: string };

/**
 * Records (or renews) an invitation and emails its single-use link, valid 7 days. Nobody joins
 * without opening the link while signed in with the invited, verified address (acceptInvitation),
 * and the answer is the same whether or not the address has a Tollgate login.
 */
export async function inviteMember(db: DbOrTx, ctx: ActorCtx, input: InviteInput): Promise<InviteResult> {
  const email = input.email.trim().toLowerCase();
  const { token, hash } = newSecret();
  const { id, accountName } = await db.transaction(async (tx) => {
    const actorRole = await authorize(tx, ctx, "members:write");
    assertMayAssign(actorRole, input.role);
    await lockMembers(tx, ctx.accountId);
    const [member] = await tx
      .select({ id: users.id })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.accountId, ctx.accountId), eq(users.email, email)))
      .limit(1);
    if (member) throw new AppError("CONFLICT", `${email} is already a member of this account.`, { param: "email" });
    const [row] = await tx
      .insert(invitations)
      .values({ id: newId("invitation"), accountId: ctx.accountId, email, role: input.role, invitedBy: ctx.userId, tokenHash: hash, expiresAt: sql`now() + ${INVITATION_TTL}::interval` })
      .onConflictDoUpdate({
        target: [invitations.accountId, invitations.email],
        // A renewed invitation gets a new link; the old one stops working.
        set: { role: input.role, invitedBy: ctx.userId, acceptedAt: null, createdAt: sql`now()`, tokenHash: hash, expiresAt: sql`now() + ${INVITATION_TTL}::interval` },
      })
      .returning({ id: invitations.id });
    const [account] = await tx.select({ name: accounts.name }).from(accounts).where(eq(accounts.id, ctx.accountId)).limit(1);
    await writeAudit(tx, { accountId: ctx.accountId, actorUserId: ctx.userId, actorKind: "user", action: "member.invite", targetType: "invitation", targetId: row.id, data: { email, role: input.role } });
    return { id: row.id, accountName: account?.name ?? "a Tollgate account" };
  });
  const link = appLink("/invite", { token });
  await deliverLinkMail({
    to: email,
    subject: `You are invited to ${accountName} on Tollgate`,
    text: `You have been invited to join ${accountName} on Tollgate as ${input.role}.\n\nOpen this link while signed in with this email address (create an account with it first if you have none). It works once and expires in 7 days:\n\n${link}\n`,
    link,
  });
  return { kind: "invited", invitationId: id };
}

export interface InvitationPreview {
  accountName: string;
  role: Role;
  email: string;
}

/** What the link invites to, for the page that asks to accept; null when unusable. */
export async function previewInvitation(db: DbOrTx, token: unknown): Promise<InvitationPreview | null> {
  if (!isTokenShaped(token)) return null;
  const [row] = await db
    .select({ accountName: accounts.name, role: invitations.role, email: invitations.email })
    .from(invitations)
    .innerJoin(accounts, eq(accounts.id, invitations.accountId))
    .where(and(eq(invitations.tokenHash, hashSecret(token)), isNull(invitations.acceptedAt), gt(invitations.expiresAt, sql`now()`)))
    .limit(1);
  return row ?? null;
}

const INVALID_LINK = "This invitation link is invalid, used, revoked or expired. Ask for a new invitation.";

/**
 * Accepts an invitation by its link: the signed-in user's email must be verified and equal to
 * the invited address. The row is locked, so the link works exactly once.
 */
export async function acceptInvitation(db: DbOrTx, user: { userId: string }, token: unknown): Promise<{ accountId: string; role: Role }> {
  if (!isTokenShaped(token)) throw new AppError("NOT_FOUND", INVALID_LINK);
  return db.transaction(async (tx) => {
    const [inv] = await tx
      .select({ id: invitations.id, accountId: invitations.accountId, email: invitations.email, role: invitations.role, invitedBy: invitations.invitedBy })
      .from(invitations)
      .where(and(eq(invitations.tokenHash, hashSecret(token)), isNull(invitations.acceptedAt), gt(invitations.expiresAt, sql`now()`)))
      .for("update");
    if (!inv) throw new AppError("NOT_FOUND", INVALID_LINK);
    const [me] = await tx.select({ email: users.email, verifiedAt: users.emailVerifiedAt }).from(users).where(eq(users.id, user.userId)).limit(1);
    if (!me) throw new AppError("UNAUTHENTICATED", "Please sign in again.");
    if (me.email !== inv.email) throw new AppError("FORBIDDEN", `This invitation is for ${inv.email}. Sign in with that address to accept it.`);
    if (!me.verifiedAt) throw new AppError("FORBIDDEN", "Verify your email address first: use the link we sent you, then open this invitation again.");
    await lockMembers(tx, inv.accountId);
    await tx.insert(memberships).values({ accountId: inv.accountId, userId: user.userId, role: inv.role }).onConflictDoNothing();
    await tx.update(invitations).set({ acceptedAt: sql`now()` }).where(eq(invitations.id, inv.id));
    await writeAudit(tx, { accountId: inv.accountId, actorUserId: user.userId, actorKind: "user", action: "member.invite_accept", targetType: "invitation", targetId: inv.id, data: { email: inv.email, role: inv.role, invitedBy: inv.invitedBy } });
    return { accountId: inv.accountId, role: inv.role };
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
