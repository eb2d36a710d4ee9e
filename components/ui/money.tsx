import { formatUsdAmount, formatUsdTotal, microsToUsdExact } from "@/lib/money";
import { cn } from "./cn";

/**
 * A dollar amount. `total` (default: balances, sums) rounds to cents; `amount` (a listed charge
 * or ledger line) shows the digits it needs, so sub-cent charges never read "$0.00"; `exact`
 * shows all 6 decimals. The exact figure is always in the tooltip (and read by screen readers).
 * Accepts bigint or a decimal string of micros so client components can render it too.
 */
export function Money({
  micros,
  exact = false,
  kind = "total",
  signed = false,
  className,
}: {
  micros: bigint | string;
  exact?: boolean;
  kind?: "total" | "amount";
  signed?: boolean;
  className?: string;
}) {
  const value = typeof micros === "bigint" ? micros : BigInt(micros);
  const exactText = `$${microsToUsdExact(value)}`.replace("$-", "\u2212$");
  const shown = exact ? exactText : kind === "amount" ? formatUsdAmount(value) : formatUsdTotal(value);
  const prefix = signed && value > BigInt(0) ? "+" : "";
  return (
    <span
      className={cn("tabular-nums", signed && value < BigInt(0) && "text-red-700", signed && value > BigInt(0) && "text-emerald-700", className)}
      title={`${prefix}${exactText} (exact)`}
      data-micros={value.toString()}
    >
      {prefix}
      {shown}
    </span>
  );
}
