import { formatUsd, microsToUsdExact } from "@/lib/money";
import { cn } from "./cn";

/**
 * USD with 2 decimals; the exact 6-decimal amount is in the tooltip (and read by screen
 * readers), or shown inline with `exact`. Accepts bigint or a decimal string of micros so
 * it can be rendered from client components too.
 */
export function Money({
  micros,
  exact = false,
  signed = false,
  className,
}: {
  micros: bigint | string;
  exact?: boolean;
  signed?: boolean;
  className?: string;
}) {
  const value = typeof micros === "bigint" ? micros : BigInt(micros);
  const exactText = `$${microsToUsdExact(value)}`.replace("$-", "-$");
  const shown = exact ? exactText : formatUsd(value);
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
