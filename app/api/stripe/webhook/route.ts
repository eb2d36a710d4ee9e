// Stripe → Tollgate events. Thin: the raw bytes and the signature header go to lib/billing.
import { getDb } from "@/lib/db";
import { handleStripeWebhook, MAX_WEBHOOK_BYTES, readBodyCapped } from "@/lib/billing/webhook";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";

export async function POST(req: Request): Promise<Response> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_WEBHOOK_BYTES) return Response.json({ error: "payload too large" }, { status: 413 });
  // Bytes, not text(): the signature covers the exact payload. Counted while read: a chunked
  // body declares no length.
  const raw = await readBodyCapped(req.body, MAX_WEBHOOK_BYTES);
  if (!raw) return Response.json({ error: "payload too large" }, { status: 413, headers: { connection: "close" } });
  let db;
  try {
    db = await getDb();
  } catch {
    return Response.json({ error: "temporary failure, retry later" }, { status: 503 });
  }
  const result = await handleStripeWebhook(db, raw, req.headers.get("stripe-signature"));
  return Response.json(result.body, { status: result.status, headers: { "cache-control": "no-store" } });
}
