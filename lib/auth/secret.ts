// Session signing secret: AUTH_SECRET, or (outside production) one generated once and kept
// under DATA_DIR so sessions survive restarts of a local install.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";

let cached: string | undefined;

export function authSecret(): string {
  if (cached) return cached;
  const e = env();
  const fromEnv = e.AUTH_SECRET ?? e.NEXTAUTH_SECRET;
  if (fromEnv) return (cached = fromEnv);
  // Raw NODE_ENV: Next inlines it at build time, so a production build never falls back to a
  // generated secret even if the server was started without NODE_ENV=production.
  if (process.env.NODE_ENV === "production" && e.TOLLGATE_GENERATED_AUTH_SECRET !== "1") {
    throw new Error("AUTH_SECRET is required in production");
  }
  const file = path.resolve(e.DATA_DIR, "auth-secret");
  try {
    cached = fs.readFileSync(file, "utf8").trim();
    if (cached) return cached;
  } catch {
    // not created yet
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  try {
    fs.writeFileSync(file, secret, { flag: "wx", mode: 0o600 });
    cached = secret;
  } catch {
    cached = fs.readFileSync(file, "utf8").trim(); // another process won the race
  }
  return cached;
}
