// Read-only endpoints: models, credits, usage, one request. All scoped to the key's account.
import { and, eq } from "drizzle-orm";
import { sql } from "drizzle-orm";
import { requests } from "@/db/schema";
import { getDb, rows } from "@/lib/db";
import { AppError } from "@/lib/errors";
import { getCredits } from "@/lib/ledger";
import { listServedModels, type ModelRow } from "@/lib/models";
import { microsToUsdNumber } from "@/lib/money";
import { parseWith } from "./body";
import type { GatewayContext } from "./http";
import { settlementsOf } from "./pending";
import { requestIdParamSchema, usageQuerySchema } from "./schemas";

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", "Cache-Control": "no-store" } });

function pricing(m: ModelRow) {
  const p: Record<string, number> = {
    input_per_mtok_usd: microsToUsdNumber(m.inputPriceMicrosPerMtok),
    output_per_mtok_usd: microsToUsdNumber(m.outputPriceMicrosPerMtok),
  };
  if (m.cachedInputPriceMicrosPerMtok !== null) p.cached_input_per_mtok_usd = microsToUsdNumber(m.cachedInputPriceMicrosPerMtok);
  return p;
}

/** The Anthropic SDK sends anthropic-version; it gets Anthropic's list shape. */
export function wantsAnthropic(req: Request): boolean {
  return req.headers.has("anthropic-version");
}

export async function listModels(ctx: GatewayContext): Promise<Response> {
  const list = await listServedModels();
  const common = (m: ModelRow) => ({
    kind: m.kind,
    provider: m.provider,
    context_window: m.contextWindow,
    max_output_tokens: m.kind === "chat" ? m.maxOutputTokens : null,
    pricing: pricing(m),
  });
  if (wantsAnthropic(ctx.req)) {
    const data = list.map((m) => ({ type: "model", id: m.id, display_name: m.id, created_at: m.updatedAt.toISOString(), ...common(m) }));
    return json({ data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
  }
  const data = list.map((m) => ({ id: m.id, object: "model", created: Math.floor(m.updatedAt.getTime() / 1000), owned_by: m.provider, ...common(m) }));
  return json({ object: "list", data });
}

export async function credits(ctx: GatewayContext): Promise<Response> {
  await settlementsOf(ctx.key.accountId);
  const c = await getCredits(await getDb(), ctx.key.accountId);
  ctx.balanceMicros = c.balanceMicros;
  return json({
    object: "credits",
    balance_usd: microsToUsdNumber(c.balanceMicros),
    held_usd: microsToUsdNumber(c.heldMicros),
    available_usd: microsToUsdNumber(c.availableMicros),
    expiring_next_30_days_usd: microsToUsdNumber(c.expiringNext30DaysMicros),
    // Exact decimal strings for callers that must not go through binary floats.
    balance_micros: c.balanceMicros.toString(),
    held_micros: c.heldMicros.toString(),
    available_micros: c.availableMicros.toString(),
    expiring_next_30_days_micros: c.expiringNext30DaysMicros.toString(),
  });
}

interface DayRow {
  day: string;
  requests: string | number;
  errors: string | number;
  input_tokens: string | number | null;
  output_tokens: string | number | null;
  cost_micros: string | null;
}

export async function usage(ctx: GatewayContext): Promise<Response> {
  const url = new URL(ctx.req.url);
  const { days } = parseWith(usageQuerySchema, { days: url.searchParams.get("days") ?? undefined });
  const today = new Date();
  const start = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - (days - 1)));
  await settlementsOf(ctx.key.accountId);
  const list = await rows<DayRow>(
    await getDb(),
    sql`SELECT to_char((created_at AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS day,
               count(*) AS requests,
               count(*) FILTER (WHERE status_code >= 400) AS errors,
               coalesce(sum(input_tokens), 0) AS input_tokens,
               coalesce(sum(output_tokens), 0) AS output_tokens,
               coalesce(sum(cost_micros), 0) AS cost_micros
          FROM requests
         WHERE account_id = ${ctx.key.accountId} AND created_at >= ${start.toISOString()}::timestamptz
         GROUP BY 1 ORDER BY 1`,
  );
  const byDay = new Map(list.map((r) => [r.day, r]));
  const data = [];
  const totals = { requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cost_micros: BigInt(0) };
  for (let i = 0; i < days; i++) {
    const d = new Date(start.getTime() + i * 86_400_000).toISOString().slice(0, 10);
    const r = byDay.get(d);
    const cost = BigInt(r?.cost_micros ?? 0);
    const entry = {
      date: d,
      requests: Number(r?.requests ?? 0),
      errors: Number(r?.errors ?? 0),
      input_tokens: Number(r?.input_tokens ?? 0),
      output_tokens: Number(r?.output_tokens ?? 0),
      cost_usd: microsToUsdNumber(cost),
      cost_micros: cost.toString(),
    };
    totals.requests += entry.requests;
    totals.errors += entry.errors;
    totals.input_tokens += entry.input_tokens;
    totals.output_tokens += entry.output_tokens;
    totals.cost_micros += cost;
    data.push(entry);
  }
  return json({
    object: "usage",
    days,
    data,
    totals: { ...totals, cost_usd: microsToUsdNumber(totals.cost_micros), cost_micros: totals.cost_micros.toString() },
  });
}

export async function requestDetail(ctx: GatewayContext, id: string): Promise<Response> {
  const notFound = () => new AppError("NOT_FOUND", "No request with that id on this account.");
  if (!requestIdParamSchema.safeParse(id).success) throw notFound();
  await settlementsOf(ctx.key.accountId);
  const db = await getDb();
  const [r] = await db.select().from(requests).where(and(eq(requests.id, id), eq(requests.accountId, ctx.key.accountId)));
  if (!r) throw notFound();
  return json({
    id: r.id,
    object: "request",
    created_at: r.createdAt.toISOString(),
    completed_at: r.completedAt?.toISOString() ?? null,
    key_id: r.keyId,
    model: r.model,
    endpoint: r.endpoint,
    stream: r.stream,
    status: r.statusCode,
    error_code: r.errorCode,
    usage_source: r.usageSource,
    tokens: { input: r.inputTokens, output: r.outputTokens },
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    cost_usd: microsToUsdNumber(r.costMicros),
    cost_micros: r.costMicros.toString(),
    hold_usd: microsToUsdNumber(r.holdMicros),
    hold_micros: r.holdMicros.toString(),
    latency_ms: r.latencyMs,
    ttfb_ms: r.ttfbMs,
    max_tokens_clamped: r.maxTokensClamped,
    byok: r.byok,
  });
}
