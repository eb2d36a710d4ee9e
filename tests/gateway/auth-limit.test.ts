// Failed authentications are limited per client address, and the address is the one our own
// proxy saw (rightmost X-Forwarded-For entries, TRUSTED_PROXY_HOPS), not whatever the client
// wrote further left — rotating a spoofed entry must not reset the limit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetEnvCache } from "../../lib/env";
import { clientIp } from "../../lib/gateway/core/context";
import { startGateway, type Gateway } from "./helpers";

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway({ AUTH_FAILURE_RPM: "5" });
});
afterAll(async () => {
  await gw?.close();
});

const badKeyCall = (xff: string) =>
  fetch(`${gw.base}/models`, { headers: { authorization: "Bearer tg_live_not-a-real-key-000000000000", "x-forwarded-for": xff } });

describe("failed-auth limiter", () => {
  it("counts per proxy-seen address: a client rotating a spoofed X-Forwarded-For is still limited", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await badKeyCall(`198.51.100.${i}, 203.0.113.7`)).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const limited = await badKeyCall("198.51.100.99, 203.0.113.7");
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    // Another address behind the same proxy is not affected.
    expect((await badKeyCall("198.51.100.1, 203.0.113.8")).status).toBe(401);
  });

  it("picks the entry TRUSTED_PROXY_HOPS from the right", () => {
    const h = (v: string) => ({ "x-forwarded-for": v });
    expect(clientIp(h("1.1.1.1"), "10.0.0.9")).toBe("1.1.1.1");
    expect(clientIp(h("6.6.6.6, 1.1.1.1"), "10.0.0.9")).toBe("1.1.1.1");
    process.env.TRUSTED_PROXY_HOPS = "2";
    resetEnvCache();
    try {
      expect(clientIp(h("6.6.6.6, 1.1.1.1, 10.0.0.2"), "10.0.0.9")).toBe("1.1.1.1");
      expect(clientIp(h("1.1.1.1"), "10.0.0.9")).toBe("1.1.1.1");
    } finally {
      delete process.env.TRUSTED_PROXY_HOPS;
      resetEnvCache();
    }
    // Without the header the connection's peer is the client; a client-written X-Real-IP is not trusted.
    expect(clientIp({ "x-real-ip": "2.2.2.2" }, "10.0.0.9")).toBe("10.0.0.9");
    expect(clientIp({}, null)).toBeNull();
  });
});
