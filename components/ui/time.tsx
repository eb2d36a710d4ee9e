/** A UTC timestamp, machine-readable, with the full ISO value on hover. */
export function Time({ value, dateOnly = false }: { value: Date | string | null | undefined; dateOnly?: boolean }) {
  if (!value) return <span className="text-slate-400">—</span>;
  const d = typeof value === "string" ? new Date(value) : value;
  const iso = d.toISOString();
  const shown = dateOnly ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  return (
    <time dateTime={iso} title={iso} className="tabular-nums">
      {shown}
    </time>
  );
}
