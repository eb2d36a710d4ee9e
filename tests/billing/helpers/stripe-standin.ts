// A local HTTP stand-in for the parts of the Stripe API Tollgate calls. The real SDK talks to it
// (STRIPE_API_HOST/PORT/PROTOCOL), so tests see exactly what the SDK sends: path, form body,
// Idempotency-Key, auth header. Objects mimic Stripe's JSON closely enough for the SDK's types.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  form: URLSearchParams;
}

type Json = Record<string, unknown>;

function rid(prefix: string): string {
  return `${prefix}_test_${randomBytes(12).toString("hex")}`;
}

export interface StripeStandIn {
  url: string;
  port: number;
  requests: RecordedRequest[];
  sessions: Map<string, Json>;
  refunds: Map<string, Json[]>; // by charge id
  /** Creates a session directly (as if created through the API earlier). */
  createSession(p: { accountId: string; amountCents: number; paymentStatus?: "paid" | "unpaid"; paymentIntent?: string; currency?: string }): Json;
  markPaid(sessionId: string): Json;
  addRefund(chargeId: string, p: { amountCents: number; paymentIntent: string; status?: string }): Json;
  /** The next n API calls answer 500 (Stripe outage). */
  failNext(n: number): void;
  close(): Promise<void>;
}

function stripeError(res: http.ServerResponse, status: number, message: string, type = "invalid_request_error", code?: string): void {
  res.writeHead(status, { "content-type": "application/json", "request-id": rid("req") });
  res.end(JSON.stringify({ error: { type, message, ...(code ? { code } : {}) } }));
}

function send(res: http.ServerResponse, body: unknown): void {
  res.writeHead(200, { "content-type": "application/json", "request-id": rid("req") });
  res.end(JSON.stringify(body));
}

function sessionObject(p: { id: string; accountId: string | null; amountCents: number; paymentStatus: "paid" | "unpaid"; paymentIntent: string | null; currency: string; metadata: Json; successUrl?: string; cancelUrl?: string }): Json {
  const created = Math.floor(Date.now() / 1000);
  return {
    id: p.id,
    object: "checkout.session",
    mode: "payment",
    status: p.paymentStatus === "paid" ? "complete" : "open",
    payment_status: p.paymentStatus,
    amount_subtotal: p.amountCents,
    amount_total: p.amountCents,
    currency: p.currency,
    client_reference_id: p.accountId,
    metadata: p.metadata,
    payment_intent: p.paymentIntent,
    customer: null,
    customer_email: null,
    livemode: false,
    created,
    expires_at: created + 86_400,
    success_url: p.successUrl ?? "http://localhost/billing/success?session_id={CHECKOUT_SESSION_ID}",
    cancel_url: p.cancelUrl ?? "http://localhost/billing/cancel",
    url: `https://checkout.stripe.test/c/pay/${p.id}`,
  };
}

export async function startStripeStandIn(): Promise<StripeStandIn> {
  const requests: RecordedRequest[] = [];
  const sessions = new Map<string, Json>();
  const refunds = new Map<string, Json[]>();
  const byIdempotencyKey = new Map<string, Json>();
  let failures = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://standin");
      const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      requests.push({ method: req.method ?? "GET", path: url.pathname, query: url.searchParams, headers: req.headers, form });
      if (!String(req.headers.authorization ?? "").startsWith("Bearer sk_test_")) return stripeError(res, 401, "Invalid API Key provided", "invalid_request_error");
      if (failures > 0) {
        failures--;
        return stripeError(res, 500, "An unknown error occurred", "api_error");
      }
      const parts = url.pathname.split("/").filter(Boolean); // v1, checkout, sessions, :id
      if (req.method === "POST" && url.pathname === "/v1/checkout/sessions") {
        const key = String(req.headers["idempotency-key"] ?? "");
        const existing = key ? byIdempotencyKey.get(key) : undefined;
        if (existing) return send(res, existing);
        const metadata: Json = {};
        for (const [k, v] of form) {
          const m = /^metadata\[(.+)\]$/.exec(k);
          if (m) metadata[m[1]] = v;
        }
        const session = sessionObject({
          id: rid("cs"),
          accountId: form.get("client_reference_id"),
          amountCents: Number(form.get("line_items[0][price_data][unit_amount]") ?? 0) * Number(form.get("line_items[0][quantity]") ?? 1),
          paymentStatus: "unpaid",
          paymentIntent: null,
          currency: form.get("line_items[0][price_data][currency]") ?? "usd",
          metadata,
          successUrl: form.get("success_url") ?? undefined,
          cancelUrl: form.get("cancel_url") ?? undefined,
        });
        sessions.set(String(session.id), session);
        if (key) byIdempotencyKey.set(key, session);
        return send(res, session);
      }
      if (req.method === "GET" && url.pathname === "/v1/checkout/sessions") {
        const pi = url.searchParams.get("payment_intent");
        const data = [...sessions.values()].filter((s) => !pi || s.payment_intent === pi);
        return send(res, { object: "list", url: "/v1/checkout/sessions", has_more: false, data });
      }
      if (req.method === "GET" && parts.length === 4 && parts[1] === "checkout" && parts[2] === "sessions") {
        const s = sessions.get(parts[3]);
        if (!s) return stripeError(res, 404, `No such checkout.session: '${parts[3]}'`, "invalid_request_error", "resource_missing");
        return send(res, s);
      }
      if (req.method === "GET" && url.pathname === "/v1/refunds") {
        const charge = url.searchParams.get("charge") ?? "";
        return send(res, { object: "list", url: "/v1/refunds", has_more: false, data: refunds.get(charge) ?? [] });
      }
      return stripeError(res, 404, `Unrecognized request URL (${req.method}: ${url.pathname})`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    sessions,
    refunds,
    createSession(p) {
      const s = sessionObject({
        id: rid("cs"),
        accountId: p.accountId,
        amountCents: p.amountCents,
        paymentStatus: p.paymentStatus ?? "paid",
        paymentIntent: p.paymentIntent ?? rid("pi"),
        currency: p.currency ?? "usd",
        metadata: { account_id: p.accountId },
      });
      sessions.set(String(s.id), s);
      return s;
    },
    markPaid(sessionId) {
      const s = sessions.get(sessionId);
      if (!s) throw new Error(`no session ${sessionId}`);
      s.payment_status = "paid";
      s.status = "complete";
      s.payment_intent ??= rid("pi");
      return s;
    },
    addRefund(chargeId, p) {
      const r: Json = {
        id: rid("re"),
        object: "refund",
        amount: p.amountCents,
        charge: chargeId,
        currency: "usd",
        payment_intent: p.paymentIntent,
        status: p.status ?? "succeeded",
        created: Math.floor(Date.now() / 1000),
      };
      refunds.set(chargeId, [...(refunds.get(chargeId) ?? []), r]);
      return r;
    },
    failNext(n) {
      failures = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Stripe event envelope around an object, as delivered to webhooks. */
export function stripeEvent(type: string, object: Json, id = rid("evt")): Json {
  return {
    id,
    object: "event",
    api_version: "2026-10-28.endive",
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  };
}

export function chargeObject(p: { chargeId?: string; paymentIntent: string; amountCents: number; amountRefundedCents: number }): Json {
  return {
    id: p.chargeId ?? rid("ch"),
    object: "charge",
    amount: p.amountCents,
    amount_refunded: p.amountRefundedCents,
    currency: "usd",
    payment_intent: p.paymentIntent,
    refunded: p.amountRefundedCents >= p.amountCents,
    status: "succeeded",
    paid: true,
  };
}
