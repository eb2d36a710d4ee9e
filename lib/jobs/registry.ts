// The background jobs, callable from the scheduler, the CLI (`jobs:run`) and tests.
import type { DbHandle } from "@/lib/db";
import { expireCredits, sweepHolds } from "@/lib/ledger";
import { deliverNotificationEmails } from "@/lib/notifications/email";
import { sendExpiryReminders, sendLowBalanceAlerts } from "@/lib/notifications/credit-alerts";
import { sendModelNotices } from "@/lib/notifications/model-notices";
import { withJobLock } from "./lock";
import { purgeExpiredData } from "./retention";
import { eraseClosedAccounts } from "@/lib/accounts/erasure";

export type JobResult = Record<string, number | string | bigint>;

export interface JobDefinition {
  description: string;
  run(handle: DbHandle, now: Date): Promise<JobResult>;
}

export type JobName = "holds:sweep" | "credits:expire" | "credits:remind" | "notifications:low-balance" | "notifications:email" | "retention:purge" | "models:notices" | "accounts:erase";

export const JOBS: Record<JobName, JobDefinition> = {
  "accounts:erase": {
    description: "replace personal data of accounts closed a week ago by tombstones (names, emails, hashed IPs)",
    run: async (h, now) => ({ ...(await eraseClosedAccounts(h.db, now)) }),
  },
  "retention:purge": {
    description: "delete request metadata and audit rows past their retention (REQUEST_LOG_RETENTION_DAYS, AUDIT_LOG_RETENTION_DAYS)",
    run: async (h, now) => {
      const r = await purgeExpiredData(h.db, now);
      return { requestsDeleted: r.requestsDeleted, auditDeleted: r.auditDeleted };
    },
  },
  "holds:sweep": {
    description: "release holds left pending past their expiry (crashed requests)",
    run: async (h, now) => ({ released: await sweepHolds(h.db, now) }),
  },
  "credits:expire": {
    description: "write expiry entries for expired lot remainders, then send 30/7-day reminders",
    run: async (h, now) => {
      const expired = await expireCredits(h.db, now);
      const reminders = await sendExpiryReminders(h.db, now);
      return { lotsExpired: expired.lotsExpired, expiredMicros: expired.micros, remindersCreated: reminders.created };
    },
  },
  "credits:remind": {
    description: "create credit-expiry reminders (30 and 7 days ahead)",
    run: async (h, now) => ({ remindersCreated: (await sendExpiryReminders(h.db, now)).created }),
  },
  "notifications:low-balance": {
    description: "alert accounts whose balance crossed below their threshold",
    run: async (h) => ({ alertsCreated: (await sendLowBalanceAlerts(h.db)).created }),
  },
  "notifications:email": {
    description: "email new notifications to account owners/admins/finance (when SMTP_URL is set)",
    run: async (h) => ({ ...(await deliverNotificationEmails(h.db)) }),
  },
  "models:notices": {
    description: "notify recent users of deprecated models (again 7 days before the sunset) and of upcoming price changes",
    run: async (h, now) => ({ noticesCreated: (await sendModelNotices(h.db, now)).created }),
  },
};

export function isJobName(name: string): name is JobName {
  return Object.prototype.hasOwnProperty.call(JOBS, name);
}

/** Runs a job unless another instance (or this one) is already running it. */
export async function runJob(handle: DbHandle, name: JobName, now: Date = new Date()): Promise<{ ran: boolean; result?: JobResult }> {
  const outcome = await withJobLock(handle, name, () => JOBS[name].run(handle, now));
  return outcome.ran ? { ran: true, result: outcome.result } : { ran: false };
}
