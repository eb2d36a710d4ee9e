// Emails that carry a secret link (verification, password reset, invitations). The link's origin
// comes from configuration, never from the request's Host header (a forged Host would otherwise
// send a reset link for our user to the attacker's site). Without SMTP_URL the message is written
// to the server log so a local install can still be used.
import { env } from "@/lib/env";
import { mailEnabled, sendMail } from "./index";

export function appOrigin(): string {
  const e = env();
  const url = e.APP_URL ?? process.env.NEXTAUTH_URL ?? `http://localhost:${e.PORT}`;
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
    console.log(`[tollgate] mail (SMTP_URL not set) to ${mail.to}: ${mail.subject}${mail.link ? `\n  ${mail.link}` : ""}`);
    return "logged";
  }
  try {
    await sendMail({ to: [mail.to], subject: mail.subject, text: mail.text });
    return "sent";
  } catch (e) {
    console.error(`[tollgate] sending "${mail.subject}" failed:`, e instanceof Error ? e.message : String(e));
    return "failed";
  }
}
