// db/schema.ts and the migrations' drizzle-kit snapshot agree: `drizzle-kit generate` finds
// nothing to migrate. When this fails, a schema change has no migration (or its snapshot is
// stale) and the next generated migration would repeat or miss changes.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

describe("schema snapshot", () => {
  it("drizzle-kit generate has nothing to add to db/migrations", () => {
    // drizzle-kit reads paths relative to the working directory: a scratch copy inside the repo.
    fs.mkdirSync(path.join("node_modules", ".cache"), { recursive: true });
    const dir = fs.mkdtempSync(path.join("node_modules", ".cache", "schema-check-"));
    try {
      fs.cpSync(path.resolve("db/migrations"), path.join(dir, "migrations"), { recursive: true });
      const config = path.join(dir, "drizzle.config.json");
      fs.writeFileSync(config, JSON.stringify({ dialect: "postgresql", schema: "./db/schema.ts", out: `./${path.join(dir, "migrations")}` }));
      const r = spawnSync(process.execPath, [path.resolve("node_modules/drizzle-kit/bin.cjs"), "generate", "--config", config], { encoding: "utf8", timeout: 50_000 });
      expect(r.status).toBe(0);
      expect(`${r.stdout}${r.stderr}`).toMatch(/No schema changes/);
      expect(fs.readdirSync(path.join(dir, "migrations")).sort()).toEqual(fs.readdirSync(path.resolve("db/migrations")).sort());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
