// Credit expiry (daily job): every lot past expires_at with credit left gets an `expiry` entry
// for its remainder. Per account under the account lock, re-reading the lots after the lock,
// so several instances running the job at once expire each lot exactly once.
import { sql } from "drizzle-orm";
import { rows, type DbOrTx } from "@/lib/db";
import { inTx, insertEntry, lockAccount, lockAccountAndApply, nowSql, toBig } from "./entries";
import { drawFromLot } from "./lots";
import { newId } from "@/lib/ids";

export async function expireCredits(db: DbOrTx, now?: Date): Promise<{ lotsExpired: number; micros: bigint }> {
  const at = nowSql(now);
  const accounts = await rows<{ account_id: string }>(
    db,
    sql`SELECT DISTINCT account_id FROM credit_lots
        WHERE expires_at <= ${at} AND expired_at IS NULL AND remaining_micros > 0`,
  );
  let lotsExpired = 0;
  let micros = 0n;
  for (const { account_id: accountId } of accounts) {
    const r = await inTx(db, (tx) => expireAccount(tx, accountId, now));
    lotsExpired += r.lots;
    micros += r.micros;
  }
  // Spent-out lots past their date need no entry; just close them so later runs skip them.
  await db.execute(sql`UPDATE credit_lots SET expired_at = ${at}
                       WHERE expires_at <= ${at} AND expired_at IS NULL AND remaining_micros = 0`);
  return { lotsExpired, micros };
}

/** Books the expiry of one account's due lots; the caller may already hold the account lock. */
export async function expireAccount(tx: DbOrTx, accountId: string, now: Date | undefined): Promise<{ lots: number; micros: bigint }> {
  const at = nowSql(now);
  await lockAccount(tx, accountId);
  const lots = await rows<{ id: string; remaining_micros: string; kind: string; expires_at: Date | string }>(
    tx,
    sql`SELECT id, remaining_micros, kind, expires_at FROM credit_lots
        WHERE account_id = ${accountId} AND expires_at <= ${at} AND expired_at IS NULL AND remaining_micros > 0
        ORDER BY expires_at, created_at, id`,
  );
  let micros = 0n;
  for (const lot of lots) {
    const amount = toBig(lot.remaining_micros);
    const { after } = await lockAccountAndApply(tx, accountId, -amount);
    const entryId = newId("entry");
    await insertEntry(tx, {
      id: entryId,
      accountId,
      type: "expiry",
      amountMicros: -amount,
      balanceAfterMicros: after,
      lotId: lot.id,
      description: `Unused ${lot.kind} credit expired`,
      now,
    });
    await drawFromLot(tx, lot.id, entryId, amount);
    await tx.execute(sql`UPDATE credit_lots SET expired_at = ${at} WHERE id = ${lot.id}`);
    micros += amount;
  }
  return { lots: lots.length, micros };
}
