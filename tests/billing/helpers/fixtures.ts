// Test fixtures for billing: users/accounts with roles, session cookies, signed webhook posts.
import Stripe from "stripe";
import { encode } from "next-auth/jwt";
import { accounts, memberships, users } from "@/db/schema";
import type { Db } from "@/lib/db";
import { newId } from "@/lib/ids";
import type { Role } from "@/lib/auth/permissions";

export const WEBHOOK_SECRET = "whsec_test_tollgate_billing_0123456789";
export const AUTH_SECRET = "test-auth-secret-billing-0123456789abcdef";

export async function makeAccount(db: Db, name = "Acme"): Promise<string> {
  const id = newId("account");
  await db.insert(accounts).values({ id, name });
  return id;
}

export async function makeUser(db: Db, opts: { accountId?: string; role?: Role; isStaff?: boolean; email?: string } = {}): Promise<{ userId: string; email: string }> {
  const userId = newId("user");
  const email = opts.email ?? `${userId.toLowerCase()}@example.test`;
  await db.insert(users).values({ id: userId, email, isStaff: opts.isStaff ?? false });
  if (opts.accountId) await db.insert(memberships).values({ accountId: opts.accountId, userId, role: opts.role ?? "owner" });
  return { userId, email };
}

/** A next-auth session cookie minted with the app's secret (same as signing in). */
export async function sessionCookie(userId: string, email: string): Promise<string> {
  const token = await encode({ token: { uid: userId, sub: userId, email }, secret: AUTH_SECRET });
  return `next-auth.session-token=${token}`;
}

export interface WebhookPost {
  status: number;
  body: Record<string, unknown>;
}

export async function postWebhook(appUrl: string, payload: string, opts: { secret?: string; timestamp?: number; signature?: string | null } = {}): Promise<WebhookPost> {
  const header =
    opts.signature !== undefined
      ? opts.signature
      : Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? WEBHOOK_SECRET, timestamp: opts.timestamp });
  const res = await fetch(`${appUrl}/api/stripe/webhook`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(header !== null ? { "stripe-signature": header } : {}) },
    body: payload,
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { raw: text };
  }
  return { status: res.status, body };
}
