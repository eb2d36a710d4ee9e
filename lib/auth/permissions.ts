// Who may do what inside an account. Enforced on the server for every page and action.
export const ROLES = ["owner", "admin", "finance", "member"] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  "keys:read",
  "keys:write",
  "usage:read",
  "billing:read",
  "billing:write",
  "ledger:read",
  "disputes:read",
  "disputes:write",
  "members:read",
  "members:write",
  // The account's audit log: owners and admins.
  "audit:read",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const MATRIX: Record<Role, readonly Permission[]> = {
  owner: PERMISSIONS,
  admin: PERMISSIONS,
  // Finance runs the money side of the account but never touches API keys.
  finance: ["usage:read", "billing:read", "billing:write", "ledger:read", "disputes:read", "disputes:write", "members:read"],
  // Members build with the API: keys and usage, nothing about payments.
  member: ["keys:read", "keys:write", "usage:read", "members:read"],
};

export function can(role: Role | null | undefined, permission: Permission): boolean {
  return role ? MATRIX[role].includes(permission) : false;
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}
