import { Money } from "@/components/ui/money";
import { effectiveLimits, type KeyLimitSettings } from "@/lib/ratelimit/tiers";

/** A key's limits at a glance: minute, day, concurrency and daily cap, marking overrides. */
export function KeyQuota({ k }: { k: KeyLimitSettings }) {
  const l = effectiveLimits(k);
  const custom = <span className="text-indigo-700"> (custom)</span>;
  return (
    <div data-testid="key-quota">
      <div>
        {l.perMinute.toLocaleString("en-US")}/min{l.custom.perMinute ? custom : null} · {l.perDay.toLocaleString("en-US")}/day{l.custom.perDay ? custom : null} · {l.concurrency} concurrent
        {l.custom.concurrency ? custom : null}
      </div>
      <div>
        Daily: <Money micros={l.dailyCapMicros} />
        {l.custom.dailyCap ? null : <span className="text-slate-500"> (tier default)</span>}
      </div>
    </div>
  );
}
