import { Card, CardBody } from "@/components/ui/card";

const AREA: Record<string, string> = {
  "keys:read": "API keys",
  "keys:write": "API keys",
  "usage:read": "usage",
  "billing:read": "billing",
  "billing:write": "billing",
  "ledger:read": "the ledger",
  "disputes:read": "disputes",
  "disputes:write": "disputes",
  "members:read": "members",
  "members:write": "members",
  "audit:read": "the account's activity log",
};

/** Shown instead of a page the current role may not see (the server refuses the data too). */
export function NoAccess({ title, reason, permission }: { title: string; reason: "no-account" | "forbidden"; permission?: string }) {
  return (
    <div>
      <h1 className="mb-6 text-2xl font-semibold tracking-tight text-slate-900">{title}</h1>
      <Card>
        <CardBody>
          {reason === "no-account" ? (
            <p className="text-sm text-slate-700">You are not a member of any account. Ask an account owner to invite you.</p>
          ) : (
            <p className="text-sm text-slate-700">
              Your role in this account doesn&apos;t include access to {AREA[permission ?? ""] ?? "this page"}. Ask an owner or admin of the account if you
              need it.
            </p>
          )}
        </CardBody>
      </Card>
    </div>
  );
}
