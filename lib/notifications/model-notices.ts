// Catalogue notices for customers: a model they used in the last 30 days is deprecated, its
// sunset is 7 days away, or its price is about to change. In-app notifications; the
// notifications:email job mails the copies. dedupe_key makes each notice once per account per
// event, so the deprecation/scheduling call and the `models:notices` job may both create them.
import { sql } from "drizzle-orm";
import { rows, type DbOrTx } from "@/lib/db";
import { formatUsd } from "@/lib/money";
import { createNotifications, type NewNotification } from "./index";

const DAY_MS = 86_400_000;
export const RECENT_USE_DAYS = 30;
export const SUNSET_REMINDER_DAYS = 7;

/** Accounts that called `modelId` in the RECENT_USE_DAYS before `now`. */
export async function recentModelUsers(db: DbOrTx, modelId: string, now: Date): Promise<string[]> {
  const since = new Date(now.getTime() - RECENT_USE_DAYS * DAY_MS);
  const r = await rows<{ account_id: string }>(
    db,
    sql`SELECT DISTINCT account_id FROM requests
         WHERE model = ${modelId} AND created_at > ${since.toISOString()}::timestamptz AND created_at <= ${now.toISOString()}::timestamptz`,
  );
  return r.map((x) => x.account_id);
}

interface LifecycleModel {
  id: string;
  sunsetAt: Date;
  replacementId: string | null;
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const instead = (m: LifecycleModel) => (m.replacementId ? ` Switch to '${m.replacementId}'.` : "");

async function notify(db: DbOrTx, accounts: string[], make: (accountId: string) => NewNotification): Promise<number> {
  let created = 0;
  for (let i = 0; i < accounts.length; i += 500) created += (await createNotifications(db, accounts.slice(i, i + 500).map(make))).length;
  return created;
}

export async function noticeDeprecation(db: DbOrTx, m: LifecycleModel, now: Date): Promise<number> {
  const users = await recentModelUsers(db, m.id, now);
  return notify(db, users, (accountId) => ({
    accountId,
    kind: "model_deprecated",
    title: `Model ${m.id} is deprecated; it stops working on ${day(m.sunsetAt)}`,
    body: `You called '${m.id}' in the last ${RECENT_USE_DAYS} days. It is deprecated and will be retired on ${m.sunsetAt.toUTCString()}; after that, calls to it answer 410 Gone.${instead(m)}`,
    // A new sunset date is a new notice.
    dedupeKey: `model_deprecated:${m.id}:${m.sunsetAt.getTime()}:${accountId}`,
  }));
}

export async function noticeSunsetSoon(db: DbOrTx, m: LifecycleModel, now: Date): Promise<number> {
  const users = await recentModelUsers(db, m.id, now);
  const days = Math.max(0, Math.ceil((m.sunsetAt.getTime() - now.getTime()) / DAY_MS));
  return notify(db, users, (accountId) => ({
    accountId,
    kind: "model_sunset_soon",
    title: `Model ${m.id} stops working in ${days} day${days === 1 ? "" : "s"}`,
    body: `'${m.id}' will be retired on ${m.sunsetAt.toUTCString()}; after that, calls to it answer 410 Gone.${instead(m)}`,
    dedupeKey: `model_sunset_soon:${m.id}:${m.sunsetAt.getTime()}:${accountId}`,
  }));
}

export interface PriceChangeNotice {
  id: string;
  modelId: string;
  effectiveAt: Date;
  inputPriceMicrosPerMtok: bigint;
  outputPriceMicrosPerMtok: bigint;
}

export async function noticePriceChange(db: DbOrTx, p: PriceChangeNotice, now: Date): Promise<number> {
  const users = await recentModelUsers(db, p.modelId, now);
  return notify(db, users, (accountId) => ({
    accountId,
    kind: "model_price_change",
    title: `New prices for ${p.modelId} from ${day(p.effectiveAt)}`,
    body: `From ${p.effectiveAt.toUTCString()}, '${p.modelId}' costs ${formatUsd(p.inputPriceMicrosPerMtok)} per million input tokens and ${formatUsd(p.outputPriceMicrosPerMtok)} per million output tokens. Calls started before then keep the current price.`,
    dedupeKey: `model_price_change:${p.id}:${accountId}`,
  }));
}

/**
 * The `models:notices` job: deprecation notices (for accounts that started using a deprecated
 * model after it was announced, too), the 7-day sunset reminder, and upcoming price changes.
 */
export async function sendModelNotices(db: DbOrTx, now: Date = new Date()): Promise<{ created: number }> {
  const deprecated = await rows<{ id: string; sunset_ms: string; replacement_id: string | null }>(
    db,
    sql`SELECT id, (extract(epoch FROM sunset_at) * 1000)::bigint::text AS sunset_ms, replacement_id
          FROM models WHERE deprecated_at IS NOT NULL AND sunset_at > ${now.toISOString()}::timestamptz`,
  );
  let created = 0;
  for (const r of deprecated) {
    const m = { id: r.id, sunsetAt: new Date(Number(r.sunset_ms)), replacementId: r.replacement_id };
    created += await noticeDeprecation(db, m, now);
    if (m.sunsetAt.getTime() - now.getTime() <= SUNSET_REMINDER_DAYS * DAY_MS) created += await noticeSunsetSoon(db, m, now);
  }
  const upcoming = await rows<{ id: string; model_id: string; effective_ms: string; input: string; output: string }>(
    db,
    sql`SELECT id, model_id, (extract(epoch FROM effective_at) * 1000)::bigint::text AS effective_ms,
               input_price_micros_per_mtok::text AS input, output_price_micros_per_mtok::text AS output
          FROM model_prices WHERE cancelled_at IS NULL AND effective_at > ${now.toISOString()}::timestamptz`,
  );
  for (const p of upcoming) {
    created += await noticePriceChange(db, { id: p.id, modelId: p.model_id, effectiveAt: new Date(Number(p.effective_ms)), inputPriceMicrosPerMtok: BigInt(p.input), outputPriceMicrosPerMtok: BigInt(p.output) }, now);
  }
  return { created };
}
