// Emails that carry a secret link (verification, password reset, invitations). The link's origin
// comes from configuration, never from the request's Host header (a forged Host would otherwise
// send a reset link for our user to the attacker's site). Without SMTP_URL the message is written
// to the server log so a local install can still be used.
import { env } from "@/lib/env";
import { mailEnabled, sendMail } from "./index";
import { errFields, log } from "@/lib/log";

export function appOrigin(): string {
  const e = env();
  const url = e.APP_URL ?? e.NEXTAUTH_URL ?? `http://localhost:${e.PORT}`;
  return new URL(url).origin;
}

export function appLink(path: string, params: Record<string, string>): string {
  const url = new URL(path, appOrigin());
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

export interface LinkMail {
  to: string;
  subject: string;
  /** Body text; the link is on its own line. */
  text: string;
  link?: string;
}

/** Sends the message; never throws (a mail outage must not fail sign-up or an invitation). */
export async function deliverLinkMail(mail: LinkMail): Promise<"sent" | "logged" | "failed"> {
  if (!mailEnabled()) {
    log("mail").info({ to: mail.to, subject: mail.subject, link: mail.link }, "SMTP_URL not set: mail written to the log");
    return "logged";
  }
  try {
    await sendMail({ to: [mail.to], subject: mail.subject, text: mail.text });
    return "sent";
  } catch (e) {
    log("mail").error({ ...errFields(e), subject: mail.subject }, "sending mail failed");
    return "failed";
  }
}
