import fs from "node:fs";
import { expect, it } from "vitest";
import { metricsRegistry } from "@/lib/metrics";

it("the Grafana dashboard queries only metrics Tollgate exports", async () => {
  const dash = JSON.parse(fs.readFileSync("docs/grafana-dashboard.json", "utf8")) as { panels: { targets: { expr: string }[] }[] };
  const exported = new Set((await metricsRegistry().getMetricsAsJSON()).map((m) => m.name));
  const used = new Set(dash.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/tollgate_[a-z_]+/g) ?? [])).map((n) => n.replace(/_(bucket|sum|count)$/, "")));
  expect(used.size).toBeGreaterThanOrEqual(12);
  for (const name of used) expect(exported, name).toContain(name);
});
