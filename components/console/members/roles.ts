export const ROLE_OPTIONS = [
  { value: "owner", label: "Owner — everything, incl. owners" },
  { value: "admin", label: "Admin — everything except owners" },
  { value: "finance", label: "Finance — billing, ledger, disputes" },
  { value: "member", label: "Member — keys and usage" },
] as const;
