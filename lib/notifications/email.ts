// Email copies of notifications. Each is claimed (emailed_at stamped, FOR UPDATE SKIP LOCKED) before
// sending, so several instances never send the same one twice; a failed send un-stamps it for the
// next run. A crash between claim and send loses that email (the in-app notification remains).
import { sql } from "drizzle-orm";
import { rows, type Db } from "@/lib/db";
import { mailEnabled, sendMail } from "@/lib/mail";
import { errFields, log } from "@/lib/log";

/** Only recent notifications are mailed: switching SMTP on later must not flush an old backlog. */
export const EMAIL_MAX_AGE_HOURS = 24;
// The people who look after an account's money; members (key holders) get in-app notices only.
const RECIPIENT_ROLES = ["owner", "admin", "finance"];

interface PendingRow {
  id: string;
  account_id: string;
  title: string;
  body: string;
}

export async function deliverNotificationEmails(db: Db, opts: { limit?: number } = {}): Promise<{ sent: number; failed: number }> {
  if (!mailEnabled()) return { sent: 0, failed: 0 };
  const limit = Math.max(1, Math.min(opts.limit ?? 100, 1000));
  let sent = 0;
  let failed = 0;
  for (let i = 0; i < limit; i++) {
    // Claim one row by stamping it (SKIP LOCKED: instances never claim the same row), send, and
    // un-stamp on failure. No transaction stays open while SMTP talks — on the embedded database
    // that would stall every other query of the process.
    const [n] = await rows<PendingRow>(
      db,
      sql`UPDATE notifications SET emailed_at = now()
           WHERE id = (SELECT id FROM notifications
                        WHERE emailed_at IS NULL AND created_at > now() - make_interval(hours => ${EMAIL_MAX_AGE_HOURS})
                        ORDER BY created_at
                        LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING id, account_id, title, body`,
    );
    if (!n) break;
    const recipients = await rows<{ email: string }>(
      db,
      sql`SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id
           WHERE m.account_id = ${n.account_id} AND m.role::text IN (${sql.join(RECIPIENT_ROLES.map((r) => sql`${r}`), sql`, `)})
           ORDER BY u.email`,
    );
    try {
      await sendMail({
        to: recipients.map((r) => r.email),
        subject: `[Tollgate] ${n.title}`,
        text: `${n.body}\n\n— Tollgate\nYou receive this because you manage billing for this account.`,
      });
      sent++;
    } catch (e) {
      log("notifications").error({ notificationId: n.id, ...errFields(e) }, "notification email failed");
      await db.execute(sql`UPDATE notifications SET emailed_at = NULL WHERE id = ${n.id}`);
      failed++;
      break; // the SMTP server is likely down; the rest waits for the next run
    }
  }
  return { sent, failed };
}
