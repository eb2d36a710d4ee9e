import type { Metadata } from "next";
import { ConfirmButton } from "@/components/forms/confirm-button";
import { CreateKeyDialog } from "@/components/console/keys/create-key-dialog";
import { KeyQuota } from "@/components/console/keys/key-quota";
import { EditKeyDialog } from "@/components/console/keys/edit-key-dialog";
import { RotateKeyDialog } from "@/components/console/keys/rotate-key-dialog";
import { NoAccess } from "@/components/console/no-access";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Money } from "@/components/ui/money";
import { PageHeader } from "@/components/ui/page-header";
import { Table, TBody, Td, Th, THead, Tr } from "@/components/ui/table";
import { Time } from "@/components/ui/time";
import { can } from "@/lib/auth/permissions";
import { keyStatus, listKeys, type KeyStatus } from "@/lib/keys";
import { microsToUsdExact } from "@/lib/money";
import { pageAccess } from "../_lib/context";
import { revokeKeyAction } from "./actions";

export const metadata: Metadata = { title: "API keys" };

const STATUS: Record<KeyStatus, { tone: BadgeTone; label: string }> = {
  active: { tone: "green", label: "Active" },
  grace: { tone: "amber", label: "Rotating" },
  revoked: { tone: "red", label: "Revoked" },
  expired: { tone: "neutral", label: "Expired" },
};
const ORDER: Record<KeyStatus, number> = { active: 0, grace: 1, expired: 2, revoked: 3 };

/** "5.000000" → "5" for form defaults. */
function usdInput(micros: bigint | null): string {
  return micros === null ? "" : microsToUsdExact(micros).replace(/\.?0+$/, "");
}

export default async function KeysPage() {
  const access = await pageAccess("keys:read");
  if (!access.ok) return <NoAccess title="API keys" reason={access.reason} permission={access.permission} />;
  const writable = can(access.role, "keys:write");
  const now = new Date();
  const keys = (await listKeys(access.db, access.account.accountId))
    .map((k) => ({ ...k, status: keyStatus(k, now) }))
    .sort((a, b) => ORDER[a.status] - ORDER[b.status]);

  return (
    <div className="space-y-6">
      <PageHeader
        title="API keys"
        description="Keys authenticate calls to /api/v1. Each key has its tier's limits (see the pricing page) and optional spending limits of its own."
        actions={writable ? <CreateKeyDialog /> : null}
      />
      <Card>
        {keys.length === 0 ? (
          <EmptyState title="No API keys yet" action={writable ? <CreateKeyDialog label="Create your first key" /> : null}>
            Create a key, then call <code className="rounded bg-slate-100 px-1">POST /api/v1/chat/completions</code> with it.
          </EmptyState>
        ) : (
          <Table caption="API keys">
            <THead>
              <tr>
                <Th>Name</Th>
                <Th>Key</Th>
                <Th>Tier</Th>
                <Th>Limits</Th>
                <Th>Spent</Th>
                <Th>Last used</Th>
                <Th>Status</Th>
                {writable ? <Th className="text-right">Actions</Th> : null}
              </tr>
            </THead>
            <TBody>
              {keys.map((k) => {
                const live = k.status === "active";
                return (
                  <Tr key={k.id} data-key-id={k.id}>
                    <Td className="font-medium">{k.name}</Td>
                    <Td>
                      <code className="font-mono text-xs">
                        {k.prefix}…{k.last4}
                      </code>
                    </Td>
                    <Td className="capitalize">{k.tier}</Td>
                    <Td className="text-xs text-slate-700">
                      <KeyQuota k={k} />
                      <div>Lifetime: {k.creditLimitMicros !== null ? <Money micros={k.creditLimitMicros} /> : "no limit"}</div>
                      {k.expiresAt ? (
                        <div>
                          Expires <Time value={k.expiresAt} />
                        </div>
                      ) : null}
                    </Td>
                    <Td>
                      <Money micros={k.spentMicros} />
                    </Td>
                    <Td>{k.lastUsedAt ? <Time value={k.lastUsedAt} /> : <span className="text-slate-500">Never</span>}</Td>
                    <Td>
                      <Badge tone={STATUS[k.status].tone}>{STATUS[k.status].label}</Badge>
                      {k.status === "grace" && k.graceUntil ? (
                        <div className="mt-1 text-xs text-slate-600">
                          Works until <Time value={k.graceUntil} />
                        </div>
                      ) : null}
                    </Td>
                    {writable ? (
                      <Td className="whitespace-normal text-right">
                        {live || k.status === "grace" ? (
                          // Buttons wrap instead of pushing the table wider than a laptop screen.
                          <div className="ml-auto flex w-32 flex-wrap justify-end gap-2">
                            {live ? (
                              <>
                                <EditKeyDialog
                                  keyId={k.id}
                                  name={k.name}
                                  tier={k.tier}
                                  dailySpendCapUsd={usdInput(k.dailySpendCapMicros)}
                                  creditLimitUsd={usdInput(k.creditLimitMicros)}
                                />
                                <RotateKeyDialog keyId={k.id} name={k.name} />
                              </>
                            ) : null}
                            <ConfirmButton
                              action={revokeKeyAction}
                              input={{ keyId: k.id }}
                              label="Revoke"
                              title={`Revoke “${k.name}”?`}
                              description={`Requests with ${k.prefix}…${k.last4} will be refused immediately with 401 KEY_REVOKED. This cannot be undone.`}
                              confirmLabel="Revoke key"
                            />
                          </div>
                        ) : null}
                      </Td>
                    ) : null}
                  </Tr>
                );
              })}
            </TBody>
          </Table>
        )}
      </Card>
    </div>
  );
}
