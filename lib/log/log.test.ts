import { PassThrough } from "node:stream";
import { expect, it } from "vitest";
import { createLogger } from "./index";

function capture(format: "json" | "pretty", level = "info") {
  const out = new PassThrough();
  const lines: string[] = [];
  out.on("data", (b: Buffer) => lines.push(...b.toString("utf8").split("\n").filter(Boolean)));
  return { logger: createLogger({ format, level, destination: out }), lines };
}

it("json lines are one object per line with level, time and fields", () => {
  const { logger, lines } = capture("json");
  logger.child({ component: "gateway" }).info({ requestId: "req_123" }, "api request");
  expect(lines).toHaveLength(1);
  const line = JSON.parse(lines[0]) as Record<string, unknown>;
  expect(line).toMatchObject({ level: 30, service: "tollgate", component: "gateway", requestId: "req_123", msg: "api request" });
  expect(typeof line.time).toBe("string");
});

it("LOG_LEVEL drops lines below it", () => {
  const { logger, lines } = capture("json", "warn");
  logger.info("hidden");
  logger.warn("shown");
  expect(lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(["shown"]);
});

it("pretty lines are readable text, not JSON", () => {
  const { logger, lines } = capture("pretty");
  logger.info({ requestId: "req_9" }, "hello");
  expect(lines.join("\n")).toContain("hello");
  expect(lines.join("\n")).toContain("req_9");
  expect(() => JSON.parse(lines[0])).toThrow();
});
