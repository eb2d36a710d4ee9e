// HTTP side of the ledger CSV download, shared by the account route and the staff route.
import { writeAudit } from "@/lib/audit";
import type { Db } from "@/lib/db";
import { isAppError, toAppError } from "@/lib/errors";
import { ledgerCsvFilename, ledgerCsvStream, parseLedgerExportParams, type LedgerExportFilter } from "./export";

export function jsonError(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status, headers: { "cache-control": "no-store" } });
}

export function exportParamsOrError(url: URL): { ok: true; value: ReturnType<typeof parseLedgerExportParams> } | { ok: false; response: Response } {
  try {
    return { ok: true, value: parseLedgerExportParams(url.searchParams) };
  } catch (e) {
    const err = toAppError(e);
    if (isAppError(e)) return { ok: false, response: jsonError(err.status, err.code, err.message) };
    throw e;
  }
}

/** Audits the download (finance data leaving the system) and streams it. */
export async function csvDownload(
  db: Db,
  opts: { filter: LedgerExportFilter; scope: string; actorUserId: string; actorKind: "user" | "staff"; auditAccountId: string | null },
): Promise<Response> {
  await writeAudit(db, {
    accountId: opts.auditAccountId,
    actorUserId: opts.actorUserId,
    actorKind: opts.actorKind,
    action: "ledger.export",
    targetType: "ledger",
    targetId: opts.filter.accountId ?? "all",
    data: { from: opts.filter.from?.toISOString() ?? null, toExclusive: opts.filter.toExclusive?.toISOString() ?? null, types: opts.filter.types ?? null },
  });
  return new Response(ledgerCsvStream(db, opts.filter), {
    status: 200,
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${ledgerCsvFilename(opts.scope, opts.filter)}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
}
