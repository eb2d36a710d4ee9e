// Outgoing email through SMTP_URL (e.g. smtp://user:pass@host:587, smtps://… for implicit TLS).
// Without SMTP_URL, mail is off and in-app notifications are the only channel.
import nodemailer, { type Transporter } from "nodemailer";
import { env } from "@/lib/env";

let cached: { url: string; transport: Transporter } | undefined;

export function mailEnabled(): boolean {
  return Boolean(env().SMTP_URL);
}

function transport(): Transporter {
  const url = env().SMTP_URL;
  if (!url) throw new Error("SMTP_URL is not set");
  if (cached?.url !== url) {
    cached?.transport.close();
    cached = { url, transport: nodemailer.createTransport(url) };
  }
  return cached.transport;
}

export interface MailMessage {
  to: string[];
  subject: string;
  text: string;
}

export async function sendMail(message: MailMessage): Promise<void> {
  const from = env().MAIL_FROM ?? "Tollgate <no-reply@localhost>";
  // One message per recipient: members of an account don't see each other's addresses.
  for (const to of new Set(message.to)) {
    await transport().sendMail({ from, to, subject: message.subject, text: message.text });
  }
}
