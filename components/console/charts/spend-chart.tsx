"use client";

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatUsd } from "@/lib/money";
import { usdTick } from "./usage-charts";

export interface SpendDatum {
  day: string;
  /** Micro-USD as a decimal string (bigint doesn't cross to the client as a number). */
  costMicros: string;
  requests: number;
}

/** Daily spend bars; a text table alternative is rendered by the page for screen readers. */
export function SpendChart({ data, height = 240 }: { data: SpendDatum[]; height?: number }) {
  const rows = data.map((d) => ({ ...d, usd: Number(BigInt(d.costMicros)) / 1e6 }));
  return (
    <div aria-hidden="true" style={{ height }} className="w-full">
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
          <XAxis dataKey="day" tickFormatter={(d: string) => d.slice(5)} tick={{ fontSize: 11, fill: "#475569" }} interval="preserveStartEnd" minTickGap={16} />
          <YAxis tickFormatter={usdTick} tick={{ fontSize: 11, fill: "#475569" }} width={56} />
          <Tooltip
            formatter={(_v, _n, item) => [formatUsd(BigInt((item.payload as SpendDatum).costMicros)), "Spend"]}
            labelFormatter={(l) => `${String(l)} (UTC)`}
          />
          <Bar dataKey="usd" fill="#4f46e5" radius={[3, 3, 0, 0]} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
