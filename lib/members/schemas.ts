import { z } from "zod";
import { ROLES } from "@/lib/auth/permissions";

export const roleSchema = z.enum(ROLES, { error: "Choose a role" });
const userIdSchema = z.string({ error: "Missing member" }).regex(/^usr_[0-9A-Za-z]{1,64}$/, "Not a user id");

export const inviteSchema = z.object({
  email: z
    .string({ error: "Enter an email address" })
    .trim()
    .toLowerCase()
    .max(254, "That email address is too long")
    .pipe(z.email({ error: "Enter a valid email address" })),
  role: roleSchema,
});
export type InviteInput = z.output<typeof inviteSchema>;

export const changeRoleSchema = z.object({ userId: userIdSchema, role: roleSchema });
export const removeMemberSchema = z.object({ userId: userIdSchema });
export const invitationIdSchema = z.object({ invitationId: z.string().regex(/^inv_[0-9A-Za-z]{1,64}$/, "Not an invitation id") });
