// Audit rows are written with the same transaction handle as the change they record.
import { auditLog } from "@/db/schema";
import type { DbOrTx } from "@/lib/db";
import { newId } from "@/lib/ids";

export type ActorKind = "user" | "staff" | "system" | "cli";

export interface AuditInput {
  accountId?: string | null;
  actorUserId?: string | null;
  actorKind: ActorKind;
  action: string;
  targetType?: string;
  targetId?: string;
  data?: Record<string, unknown>;
}

/** JSON cannot hold bigint; amounts go in as decimal strings. */
function jsonSafe(data: Record<string, unknown> | undefined): Record<string, unknown> | null {
  if (!data) return null;
  return JSON.parse(JSON.stringify(data, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
}

export async function writeAudit(tx: DbOrTx, input: AuditInput): Promise<void> {
  await tx.insert(auditLog).values({
    id: newId("audit"),
    accountId: input.accountId ?? null,
    actorUserId: input.actorUserId ?? null,
    actorKind: input.actorKind,
    action: input.action,
    targetType: input.targetType ?? null,
    targetId: input.targetId ?? null,
    data: jsonSafe(input.data),
  });
}
