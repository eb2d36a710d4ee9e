// retention:purge — the daily retention job, run now (REQUEST_LOG_RETENTION_DAYS, AUDIT_LOG_RETENTION_DAYS).
import { getDbHandle } from "@/lib/db";
import { runJob } from "@/lib/jobs/registry";
import { retentionCutoffs } from "@/lib/jobs/retention";
import { printJson, type CliCommand } from "../types";

export const commands: Record<string, CliCommand> = {
  "retention:purge": {
    usage: "delete request metadata and audit rows older than their retention (keeps requests of open disputes and every ledger entry)",
    async run() {
      const now = new Date();
      const outcome = await runJob(await getDbHandle(), "retention:purge", now);
      if (!outcome.ran) {
        process.stderr.write("retention:purge is already running on another instance\n");
        return 1;
      }
      const cut = retentionCutoffs(now);
      printJson({ requests_deleted: outcome.result?.requestsDeleted ?? 0, audit_deleted: outcome.result?.auditDeleted ?? 0, request_cutoff: cut.requests.toISOString(), audit_cutoff: cut.audit.toISOString() });
    },
  },
};
