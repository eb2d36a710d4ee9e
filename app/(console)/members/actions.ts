"use server";

import { defineAction } from "@/lib/auth/action";
import { changeMemberRole, changeRoleSchema, invitationIdSchema, inviteMember, inviteSchema, removeMember, removeMemberSchema, revokeInvitation } from "@/lib/members";

const actor = (ctx: { user: { id: string }; accountId: string }) => ({ userId: ctx.user.id, accountId: ctx.accountId });

export const inviteMemberAction = defineAction({ input: inviteSchema, permission: "members:write" }, async (ctx, input) => inviteMember(ctx.db, actor(ctx), input));

export const changeMemberRoleAction = defineAction({ input: changeRoleSchema, permission: "members:write" }, async (ctx, input) => changeMemberRole(ctx.db, actor(ctx), input));

// No permission here: anyone may leave an account; removing someone else is checked in removeMember.
export const removeMemberAction = defineAction({ input: removeMemberSchema }, async (ctx, input) => removeMember(ctx.db, actor(ctx), input));

export const revokeInvitationAction = defineAction({ input: invitationIdSchema, permission: "members:write" }, async (ctx, input) => revokeInvitation(ctx.db, actor(ctx), input));
