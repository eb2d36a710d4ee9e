// With several workers, a scrape answered by one of them reports all of them.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { expect, it } from "vitest";

const run = promisify(execFile);

it("a scrape on one worker sums the counters and histograms of every worker", { timeout: 60_000 }, async () => {
  const { stdout } = await run(process.execPath, ["--import", "tsx", path.join("tests", "ops", "fixtures", "cluster-metrics.ts")], { timeout: 45_000 });
  const families = parsePrometheusTextFormat(stdout);
  const requests = families.find((f) => f.name === "tollgate_requests_total")!;
  expect(requests.metrics).toEqual([{ labels: { route: "chat.completions", status: "200", model: "mock-small" }, value: "6" }]);
  const duration = families.find((f) => f.name === "tollgate_request_duration_seconds")!;
  // Observations of 0.05, 0.10 and 0.15 s from three workers, bucketed together.
  expect(duration.metrics[0].buckets).toMatchObject({ "0.05": "1", "0.1": "2", "0.25": "3", "+Inf": "3" });
  expect(stdout).toMatch(/^tollgate_request_duration_seconds_count\{route="chat.completions"\} 3$/m);
});
