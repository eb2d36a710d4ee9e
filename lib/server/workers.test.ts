import { describe, expect, it } from "vitest";
import { workerCount, WorkersConfigError } from "./workers";

const shared = { DATABASE_URL: "postgres://db/x", REDIS_URL: "redis://r:6379", UPSTASH_REDIS_REST_URL: undefined };
const embedded = { DATABASE_URL: undefined, REDIS_URL: undefined, UPSTASH_REDIS_REST_URL: undefined };

describe("TOLLGATE_WORKERS", () => {
  it("defaults to one process and accepts a number or auto (one per core) with shared state", () => {
    expect(workerCount({ ...embedded, TOLLGATE_WORKERS: 1 })).toBe(1);
    expect(workerCount({ ...shared, TOLLGATE_WORKERS: 3 })).toBe(3);
    expect(workerCount({ ...shared, TOLLGATE_WORKERS: "auto" }, 4)).toBe(4);
    expect(workerCount({ ...shared, REDIS_URL: undefined, UPSTASH_REDIS_REST_URL: "https://u", TOLLGATE_WORKERS: 2 })).toBe(2);
  });
  it("refuses more than one process on the embedded defaults, naming what is missing", () => {
    expect(() => workerCount({ ...embedded, TOLLGATE_WORKERS: 2 })).toThrow(WorkersConfigError);
    expect(() => workerCount({ ...embedded, TOLLGATE_WORKERS: 2 })).toThrow(/DATABASE_URL.*REDIS_URL/);
    expect(() => workerCount({ ...shared, REDIS_URL: undefined, TOLLGATE_WORKERS: "auto" }, 2)).toThrow(/REDIS_URL/);
    expect(workerCount({ ...embedded, TOLLGATE_WORKERS: "auto" }, 1)).toBe(1); // one core: one process, fine
  });
});
