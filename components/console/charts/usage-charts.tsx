"use client";

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

/** Axis labels with enough decimals that small spends don't collapse into repeated ticks. */
export function usdTick(v: number): string {
  if (v === 0) return "$0";
  if (v < 0.1) return `$${v.toFixed(3)}`;
  return `$${v < 10 ? v.toFixed(2) : v.toFixed(0)}`;
}

const COLORS = ["#4f46e5", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#64748b"];

export interface StackedSeries {
  /** Series keys in stacking order (model ids or key names). */
  series: string[];
  /** One row per day: { day, [series]: value }. */
  rows: Record<string, string | number>[];
}

function Stacked({ data, unit, height }: { data: StackedSeries; unit: "usd" | "count"; height: number }) {
  const fmt = (v: number) => (unit === "usd" ? `$${v < 1 ? v.toFixed(4) : v.toFixed(2)}` : v.toLocaleString("en-US"));
  return (
    <div aria-hidden="true" style={{ height }} className="w-full">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data.rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
          <XAxis dataKey="day" tickFormatter={(d: string) => d.slice(5)} tick={{ fontSize: 11, fill: "#475569" }} minTickGap={16} />
          <YAxis tickFormatter={(v: number) => (unit === "usd" ? usdTick(v) : String(v))} tick={{ fontSize: 11, fill: "#475569" }} width={56} allowDecimals={unit === "usd"} />
          <Tooltip formatter={(v) => fmt(Number(v))} labelFormatter={(l) => `${String(l)} (UTC)`} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {data.series.map((s, i) => (
            <Bar key={s} dataKey={s} stackId="a" fill={COLORS[i % COLORS.length]} isAnimationActive={false} />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export function UsageCharts({ requests, spend }: { requests: StackedSeries; spend: StackedSeries }) {
  return (
    <div className="grid gap-6 xl:grid-cols-2">
      <figure>
        <figcaption className="mb-2 text-sm font-medium text-slate-700">Requests per day</figcaption>
        <Stacked data={requests} unit="count" height={240} />
      </figure>
      <figure>
        <figcaption className="mb-2 text-sm font-medium text-slate-700">Spend per day (USD)</figcaption>
        <Stacked data={spend} unit="usd" height={240} />
      </figure>
    </div>
  );
}
