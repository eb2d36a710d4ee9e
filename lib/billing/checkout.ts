// Top-ups: Stripe Checkout (or a clearly labelled simulated payment when Stripe is not configured)
// and the ONE fulfilment path every trigger goes through — webhook events in any order and any
// number of times, the success page, the simulated-payment page, the operator CLI. Exactly-once
// crediting comes from the ledger's unique key on the session id, not from any check done here.
import { createHash } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { checkoutSessions, users } from "@/db/schema";
import type { Db, DbOrTx } from "@/lib/db";
import { accountStatusOf } from "@/lib/accounts/lifecycle";
import { writeAudit } from "@/lib/audit";
import { env, features } from "@/lib/env";
import { AppError, invalidRequestFromZod, isAppError } from "@/lib/errors";
import { randomBase62 } from "@/lib/ids";
import { creditAccount } from "@/lib/ledger";
import { formatUsd } from "@/lib/money";
import { notifyStaff } from "@/lib/staff/notifications";
import type { Actor } from "@/lib/ledger/types";
import { requireAccountPermission, type BillingContext } from "./access";
import { checkoutSessionIdSchema, topUpInputSchema, type TopUpInput } from "./schemas";
import { MICROS_PER_CENT, Stripe, centsToMicros, isTransientStripeError, stripeClient } from "./stripe";

export type PaymentsMode = "stripe" | "simulated" | "disabled";

/** How this server takes payments; the billing page labels simulated payments as such. */
export function paymentsMode(): PaymentsMode {
  if (features.stripe()) return "stripe";
  return features.simulatedPayments() ? "simulated" : "disabled";
}

export interface TopUpStarted {
  url: string;
  sessionId: string;
  simulated: boolean;
}

export interface FulfilResult {
  status: "fulfilled" | "already_fulfilled" | "not_paid";
  amountMicros: bigint;
  accountId: string;
}

export const SIMULATED_PREFIX = "sim_cs_";

function appUrl(): string {
  const e = env();
  return (e.APP_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, "");
}

export async function startTopUp(db: Db, ctx: BillingContext, input: TopUpInput): Promise<TopUpStarted> {
  const parsed = topUpInputSchema.safeParse(input);
  if (!parsed.success) throw invalidRequestFromZod(parsed.error.issues);
  const { amountMicros } = parsed.data;
  await requireAccountPermission(db, ctx, "billing:write");
  // A closed (or terminated) account takes no more money: it could never spend it. A suspended
  // one still may — paying what it owes is how suspensions for debt end.
  const state = await accountStatusOf(db, ctx.accountId);
  if (state && (state.status === "closed" || state.status === "terminated")) {
    throw new AppError("CONFLICT", `This account is ${state.status}; it cannot be topped up.`);
  }
  const mode = paymentsMode();
  if (mode === "disabled") {
    throw new AppError("CONFLICT", "Payments are not configured on this server (set STRIPE_SECRET_KEY; simulated payments are off in production).");
  }

  if (mode === "simulated") {
    const id = `${SIMULATED_PREFIX}${randomBase62(24)}`;
    await db.transaction(async (tx) => {
      await tx.insert(checkoutSessions).values({ id, accountId: ctx.accountId, amountMicros, simulated: true, createdBy: ctx.userId });
      await writeAudit(tx, {
        accountId: ctx.accountId,
        actorUserId: ctx.userId,
        actorKind: "user",
        action: "billing.checkout_started",
        targetType: "checkout_session",
        targetId: id,
        data: { amountMicros, simulated: true },
      });
    });
    return { url: `/billing/simulate/${id}`, sessionId: id, simulated: true };
  }

  const cents = Number(amountMicros / MICROS_PER_CENT);
  const [user] = await db.select({ email: users.email }).from(users).where(eq(users.id, ctx.userId)).limit(1);
  // Same intent → same key → Stripe returns the same session instead of a second one: a
  // double-clicked button (same minute) or a caller-supplied form nonce collapse to one session.
  const intent = parsed.data.idempotencyKey ?? String(Math.floor(Date.now() / 60_000));
  const idempotencyKey = `tollgate-topup-${createHash("sha256").update(`${ctx.accountId}|${ctx.userId}|${amountMicros}|${intent}`).digest("hex").slice(0, 40)}`;
  const base = appUrl();
  let session: Stripe.Checkout.Session;
  try {
    session = await stripeClient().checkout.sessions.create(
      {
        mode: "payment",
        client_reference_id: ctx.accountId,
        customer_email: user?.email,
        metadata: { account_id: ctx.accountId, user_id: ctx.userId, amount_micros: amountMicros.toString() },
        payment_intent_data: { metadata: { account_id: ctx.accountId } },
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: "usd",
              unit_amount: cents,
              product_data: { name: "Tollgate credits", description: "Prepaid API credits, valid 365 days after your latest top-up" },
            },
          },
        ],
        success_url: `${base}/billing/success?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${base}/billing/cancel`,
      },
      { idempotencyKey },
    );
  } catch (e) {
    if (isTransientStripeError(e)) throw new AppError("UPSTREAM_UNAVAILABLE", "The payment provider is unavailable; please try again.", { cause: e });
    throw new AppError("UPSTREAM_ERROR", "The payment provider rejected the request.", { cause: e });
  }
  if (!session.url) throw new AppError("UPSTREAM_ERROR", "The payment provider returned no checkout URL.");
  const sessionId = session.id;
  await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(checkoutSessions)
      .values({ id: sessionId, accountId: ctx.accountId, amountMicros, simulated: false, createdBy: ctx.userId })
      .onConflictDoNothing()
      .returning({ id: checkoutSessions.id });
    if (inserted.length === 0) return; // idempotent replay of the same session
    await writeAudit(tx, {
      accountId: ctx.accountId,
      actorUserId: ctx.userId,
      actorKind: "user",
      action: "billing.checkout_started",
      targetType: "checkout_session",
      targetId: sessionId,
      data: { amountMicros, simulated: false },
    });
  });
  return { url: session.url, sessionId, simulated: false };
}

interface Payment {
  sessionId: string;
  accountId: string;
  amountMicros: bigint;
  paymentIntentId: string | null;
  simulated: boolean;
}

/** The single crediting step shared by Stripe and simulated payments. */
async function applyPayment(db: Db, p: Payment, actor: Actor, now?: Date): Promise<FulfilResult> {
  const input = {
    accountId: p.accountId,
    kind: "paid" as const,
    amountMicros: p.amountMicros,
    stripeSessionId: p.sessionId,
    stripePaymentIntentId: p.paymentIntentId,
    reason: p.simulated ? "Simulated payment (no real money)" : "Stripe Checkout top-up",
    actor,
    now,
  };
  let credit;
  try {
    credit = await creditAccount(db, input);
  } catch (e) {
    // A duplicate racing the first credit can briefly see the lot before its entry; once more
    // settles it (a real mismatch, e.g. another account, fails again the same way).
    if (!(isAppError(e) && e.code === "CONFLICT")) throw e;
    await new Promise((r) => setTimeout(r, 50));
    credit = await creditAccount(db, input);
  }
  // Bookkeeping only (the lot is the truth): repeated or crashed-before-this calls converge.
  await db
    .insert(checkoutSessions)
    .values({ id: p.sessionId, accountId: p.accountId, amountMicros: p.amountMicros, simulated: p.simulated, status: "fulfilled", fulfilledAt: sql`now()` })
    .onConflictDoUpdate({
      target: checkoutSessions.id,
      set: { status: "fulfilled", fulfilledAt: sql`coalesce(${checkoutSessions.fulfilledAt}, now())` },
      setWhere: sql`${checkoutSessions.status} <> 'fulfilled'`,
    });
  await flagPaymentAfterClosure(db, p);
  return { status: credit.created ? "fulfilled" : "already_fulfilled", amountMicros: p.amountMicros, accountId: p.accountId };
}

/**
 * A payment that completes after its account closed (a checkout opened before the closure, or a
 * bank debit that cleared late) is still booked — the money was received, so the ledger shows
 * it — but the account can never spend it: staff are told to refund it. Checked on every
 * fulfilment, replays included, and deduplicated per session, so a crash between the credit and
 * the notice is repaired by Stripe's retry of the event.
 */
async function flagPaymentAfterClosure(db: Db, p: Payment): Promise<void> {
  const state = await accountStatusOf(db, p.accountId);
  if (!state || (state.status !== "closed" && state.status !== "terminated")) return;
  await notifyStaff(db, {
    accountId: p.accountId,
    kind: "payment_after_closure",
    title: `Refund due: ${formatUsd(p.amountMicros)} paid to ${state.status} account ${p.accountId}`,
    body: `Checkout session ${p.sessionId}${p.paymentIntentId ? ` (payment ${p.paymentIntentId})` : ""} completed after the account was ${state.status}. The credit is booked, but the account cannot use it: refund the payment in Stripe (the refund event then takes the credit back).`,
    dedupeKey: `payment-after-closure:${p.sessionId}`,
  });
}

function accountOfSession(session: Stripe.Checkout.Session): string | null {
  const fromMetadata = session.metadata?.account_id ?? null;
  const fromReference = session.client_reference_id ?? null;
  if (fromMetadata && fromReference && fromMetadata !== fromReference) return null;
  return fromMetadata ?? fromReference;
}

/** Whether a Checkout Session was created by Tollgate (other products may share the Stripe account). */
export function isTollgateSession(session: Pick<Stripe.Checkout.Session, "metadata" | "client_reference_id" | "mode">): boolean {
  return session.mode === "payment" && Boolean(session.metadata?.account_id || session.client_reference_id?.startsWith("acct_"));
}

export interface FulfilOptions {
  /** The success page passes the viewer's account: someone else's session reads as not found. */
  expectedAccountId?: string;
  actor?: Actor;
  now?: Date;
}

export async function fulfilCheckoutSession(db: Db, sessionId: string, opts: FulfilOptions = {}): Promise<FulfilResult> {
  if (!checkoutSessionIdSchema.safeParse(sessionId).success) throw new AppError("INVALID_REQUEST", "Not a checkout session id", { param: "session_id" });
  const [local] = await db.select().from(checkoutSessions).where(eq(checkoutSessions.id, sessionId)).limit(1);
  if (opts.expectedAccountId && local && local.accountId !== opts.expectedAccountId) throw new AppError("NOT_FOUND", "Checkout session not found");

  if (sessionId.startsWith(SIMULATED_PREFIX)) {
    if (!local?.simulated || (opts.expectedAccountId && local.accountId !== opts.expectedAccountId)) throw new AppError("NOT_FOUND", "Checkout session not found");
    // A simulated session is "paid" only by completeSimulatedPayment, which fulfils at once.
    const status = local.status === "fulfilled" ? "already_fulfilled" : "not_paid";
    return { status, amountMicros: local.amountMicros, accountId: local.accountId };
  }

  if (!features.stripe()) throw new AppError("CONFLICT", "Stripe is not configured on this server");
  let session: Stripe.Checkout.Session;
  try {
    // Stripe's guidance: fulfil from a fresh retrieve, not from the (possibly stale) event body.
    session = await stripeClient().checkout.sessions.retrieve(sessionId);
  } catch (e) {
    if (e instanceof Stripe.errors.StripeInvalidRequestError && e.statusCode === 404) throw new AppError("NOT_FOUND", "Checkout session not found", { cause: e });
    if (isTransientStripeError(e)) throw new AppError("UPSTREAM_UNAVAILABLE", "The payment provider is unavailable; please try again.", { cause: e });
    throw new AppError("UPSTREAM_ERROR", "Could not read the checkout session from the payment provider.", { cause: e });
  }
  const accountId = accountOfSession(session);
  if (!accountId || !isTollgateSession(session)) throw new AppError("NOT_FOUND", "Not a Tollgate top-up session");
  if (local && local.accountId !== accountId) throw new AppError("CONFLICT", "Checkout session account does not match our records");
  if (opts.expectedAccountId && accountId !== opts.expectedAccountId) throw new AppError("NOT_FOUND", "Checkout session not found");
  if (session.currency && session.currency.toLowerCase() !== "usd") throw new AppError("CONFLICT", `Unexpected checkout currency ${session.currency}`);
  if (session.amount_total === null || session.amount_total === undefined) throw new AppError("CONFLICT", "Checkout session has no amount");
  const amountMicros = centsToMicros(session.amount_total);
  // 'unpaid' covers delayed methods (bank debits): checkout.session.async_payment_succeeded
  // fulfils later. 'no_payment_required' would mean a zero amount: nothing to credit.
  if (session.payment_status !== "paid" || amountMicros <= BigInt(0)) return { status: "not_paid", amountMicros, accountId };
  const paymentIntentId = typeof session.payment_intent === "string" ? session.payment_intent : (session.payment_intent?.id ?? null);
  return applyPayment(db, { sessionId, accountId, amountMicros, paymentIntentId, simulated: false }, opts.actor ?? { kind: "system" }, opts.now);
}

/** The simulated payment page's "Pay" button: only the session's own account, same fulfil path. */
export async function completeSimulatedPayment(db: Db, ctx: BillingContext, sessionId: string): Promise<FulfilResult> {
  if (!features.simulatedPayments()) throw new AppError("FORBIDDEN", "Simulated payments are disabled on this server.");
  if (!sessionId.startsWith(SIMULATED_PREFIX) || !checkoutSessionIdSchema.safeParse(sessionId).success) throw new AppError("NOT_FOUND", "Checkout session not found");
  await requireAccountPermission(db, ctx, "billing:write");
  const [row] = await db
    .select()
    .from(checkoutSessions)
    .where(and(eq(checkoutSessions.id, sessionId), eq(checkoutSessions.accountId, ctx.accountId), eq(checkoutSessions.simulated, true)))
    .limit(1);
  if (!row) throw new AppError("NOT_FOUND", "Checkout session not found");
  if (row.status === "expired") throw new AppError("CONFLICT", "This checkout session has expired; start a new top-up.");
  return applyPayment(
    db,
    { sessionId: row.id, accountId: row.accountId, amountMicros: row.amountMicros, paymentIntentId: null, simulated: true },
    { kind: "user", userId: ctx.userId },
  );
}

export interface CheckoutSessionView {
  id: string;
  amountMicros: bigint;
  status: "open" | "fulfilled" | "expired";
  simulated: boolean;
  createdAt: Date;
  fulfilledAt: Date | null;
}

/** One of the account's own checkout sessions (for the simulate/success pages); null otherwise. */
export async function getCheckoutSession(db: DbOrTx, ctx: BillingContext, sessionId: string): Promise<CheckoutSessionView | null> {
  await requireAccountPermission(db, ctx, "billing:read");
  const [row] = await db
    .select({
      id: checkoutSessions.id,
      amountMicros: checkoutSessions.amountMicros,
      status: checkoutSessions.status,
      simulated: checkoutSessions.simulated,
      createdAt: checkoutSessions.createdAt,
      fulfilledAt: checkoutSessions.fulfilledAt,
    })
    .from(checkoutSessions)
    .where(and(eq(checkoutSessions.id, sessionId), eq(checkoutSessions.accountId, ctx.accountId)))
    .limit(1);
  return row ?? null;
}

/** checkout.session.expired: an abandoned session can no longer be paid. */
export async function markCheckoutSessionExpired(db: DbOrTx, sessionId: string): Promise<void> {
  await db
    .update(checkoutSessions)
    .set({ status: "expired" })
    .where(and(eq(checkoutSessions.id, sessionId), eq(checkoutSessions.status, "open")));
}
