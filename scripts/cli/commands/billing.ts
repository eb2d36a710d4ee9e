// Billing commands: ledger CSV export, manual Checkout fulfilment, background jobs on demand.
import { once } from "node:events";
import { getDb, getDbHandle } from "@/lib/db";
import { fulfilCheckoutSession } from "@/lib/billing";
import { JOBS, isJobName, runJob } from "@/lib/jobs/registry";
import { ledgerCsvChunks, parseLedgerExportParams } from "@/lib/ledger/export";
import { CliError, optionalFlag, printJson, requireFlag, type CliCommand } from "../types";

async function write(chunk: string): Promise<void> {
  // Respect stdout backpressure so memory stays flat when piped to a slow consumer.
  if (!process.stdout.write(chunk)) await once(process.stdout, "drain");
}

export const commands: Record<string, CliCommand> = {
  "ledger:export": {
    usage: "[--from YYYY-MM-DD] [--to YYYY-MM-DD] [--account ID] [--type T[,T]]  ledger CSV to stdout",
    async run(flags) {
      const { filter, account } = parseLedgerExportParams({
        from: optionalFlag(flags, "from"),
        to: optionalFlag(flags, "to"),
        account: optionalFlag(flags, "account"),
        type: optionalFlag(flags, "type"),
      });
      const db = await getDb();
      for await (const chunk of ledgerCsvChunks(db, { ...filter, accountId: account })) await write(chunk);
    },
  },
  "billing:fulfil": {
    usage: "--session cs_…  re-check a Stripe Checkout Session and credit it if paid (idempotent)",
    async run(flags) {
      const sessionId = requireFlag(flags, "session");
      const result = await fulfilCheckoutSession(await getDb(), sessionId, { actor: { kind: "cli" } });
      printJson({ status: result.status, account_id: result.accountId, amount_micros: result.amountMicros });
    },
  },
  "jobs:run": {
    usage: `--job NAME  run a background job now (${Object.keys(JOBS).join(", ")})`,
    async run(flags) {
      const name = requireFlag(flags, "job");
      if (!isJobName(name)) throw new CliError(`unknown job ${name}; one of: ${Object.keys(JOBS).join(", ")}`);
      const outcome = await runJob(await getDbHandle(), name);
      if (!outcome.ran) throw new CliError(`job ${name} is running on another instance; try again later`);
      printJson({ job: name, ...outcome.result });
    },
  },
};
