// Session signing secret: AUTH_SECRET, or (outside production) one generated once and kept
// under DATA_DIR so sessions survive restarts of a local install.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

let cached: string | undefined;

export function authSecret(): string {
  if (cached) return cached;
  const fromEnv = process.env.AUTH_SECRET || process.env.NEXTAUTH_SECRET;
  if (fromEnv) return (cached = fromEnv);
  if (process.env.NODE_ENV === "production" && process.env.TOLLGATE_GENERATED_AUTH_SECRET !== "1") {
    throw new Error("AUTH_SECRET is required in production");
  }
  const file = path.resolve(process.env.DATA_DIR || ".data", "auth-secret");
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
