// Measures placeHold throughput on ONE hot account with N concurrent callers on real PostgreSQL.
//   DATABASE_URL=postgres://... npx tsx tests/ledger/hold-throughput.ts [callers=32] [seconds=5] [--key|--capped-key] [--settle]
// --key: holds through an API key without limits (like npm run bench); --capped-key: a key with
// a lifetime credit limit and a daily cap (two more row locks per hold).
// --settle also measures settle() (charge > 0, synchronous commit) on the same hot account.
// (Not a vitest file: the number depends on the machine; the test suite asserts correctness.)
import { creditAccount, placeHold, releaseHold, settle, verifyLedger } from "@/lib/ledger";
import globalSetup from "../helpers/global-setup";
import { createTestDb } from "../helpers/db";
import { makeAccount, makeKey, USD } from "./fixtures";

async function main() {
  if (!process.env.DATABASE_URL) throw new Error("set DATABASE_URL (real PostgreSQL)");
  const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const callers = Number(args[0] ?? 32);
  const seconds = Number(args[1] ?? 5);
  const capped = process.argv.includes("--capped-key");
  const withKey = capped || process.argv.includes("--key");
  await globalSetup();
  const t = await createTestDb({ poolSize: callers });
  try {
    const accountId = await makeAccount(t.db);
    const caps = capped ? { dailySpendCapMicros: 1_000_000n * USD, creditLimitMicros: 1_000_000n * USD } : {};
    const keyId = withKey ? await makeKey(t.db, accountId, caps) : null;
    await creditAccount(t.db, { accountId, kind: "grant", amountMicros: 1_000_000n * USD, actor: { kind: "system" } });
    const deadline = Date.now() + seconds * 1000;
    const latencies: number[] = [];
    const holdIds: string[] = [];
    let n = 0;
    const worker = async (w: number) => {
      while (Date.now() < deadline) {
        const t0 = performance.now();
        const r = await placeHold(t.db, { accountId, keyId, requestId: `bench_${w}_${n++}`, minMicros: 100n, maxMicros: 1000n });
        latencies.push(performance.now() - t0);
        if (!r.ok) throw new Error(`hold failed: ${r.code}`);
        holdIds.push(r.holdId);
      }
    };
    const t0 = Date.now();
    await Promise.all(Array.from({ length: callers }, (_, w) => worker(w)));
    const elapsed = (Date.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(2);
    console.log(JSON.stringify({ callers, withKey, capped, holds: latencies.length, seconds: elapsed, holdsPerSecond: Math.round(latencies.length / elapsed), p50ms: pct(0.5), p99ms: pct(0.99) }));
    if (process.argv.includes("--settle")) {
      const queue = holdIds.splice(0, holdIds.length);
      const s0 = Date.now();
      let settled = 0;
      const settler = async () => {
        for (let id = queue.pop(); id && Date.now() - s0 < seconds * 1000; id = queue.pop()) {
          await settle(t.db, { holdId: id, chargeMicros: 700n });
          settled++;
        }
      };
      await Promise.all(Array.from({ length: callers }, () => settler()));
      const el = (Date.now() - s0) / 1000;
      console.log(JSON.stringify({ callers, withKey, settles: settled, seconds: el, settlesPerSecond: Math.round(settled / el) }));
      holdIds.push(...queue);
    }
    // Release a sample and check the invariants still hold after the storm.
    for (const id of holdIds.slice(0, 200)) await releaseHold(t.db, id);
    const v = await verifyLedger(t.db, accountId);
    if (!v.ok) throw new Error(JSON.stringify(v.violations.slice(0, 5)));
  } finally {
    await t.dispose();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
