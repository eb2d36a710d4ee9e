// The client's address as the gateway (and the console's sign-in throttles) see it, and its keyed
// hash for logs.
import { createHmac } from "node:crypto";
import { authSecret } from "@/lib/auth/secret";
import { env } from "@/lib/env";
import { header, type HeaderBag } from "./core/types";

/**
 * The client's address. X-Forwarded-For is a list every proxy appends to, so only entries added
 * by our own proxies can be trusted — anything further left may be written by the client (a key
 * guesser would rotate it to dodge the failed-auth limit). TRUSTED_PROXY_HOPS (default 1: one
 * load balancer in front) says how many entries from the right are ours; the leftmost of those
 * is the client; 0 means the app is exposed directly and the header is ignored. Without the
 * header the connection's peer address is the client (Next.js fills the header from it the same
 * way, so both transports agree).
 */
export function clientIp(headers: HeaderBag | Headers, peer: string | null = null): string | null {
  const xff = env().TRUSTED_PROXY_HOPS === 0 ? null : headers instanceof Headers ? headers.get("x-forwarded-for") : header(headers, "x-forwarded-for");
  if (xff) {
    const hops = xff.split(",").map((s) => s.trim()).filter(Boolean);
    const trusted = env().TRUSTED_PROXY_HOPS ?? 1;
    if (hops.length) return hops[Math.max(0, hops.length - trusted)];
  }
  return peer;
}

const ipHashes = new Map<string, string>();
let ipHashSecret: string | undefined;

/** Keyed hash, so the log can group by client without storing (or reversing to) an address. */
export function hashClientIp(ip: string | null): string | null {
  if (!ip) return null;
  // No fixed fallback: a known key would let anyone reverse the log's hashes by brute force.
  ipHashSecret ??= env().IP_HASH_SECRET ?? env().AUTH_SECRET ?? authSecret();
  // Busy clients send many requests from one address: an HMAC per request is measurable CPU.
  let hashed = ipHashes.get(ip);
  if (hashed === undefined) {
    hashed = createHmac("sha256", ipHashSecret).update(ip).digest("hex").slice(0, 32);
    if (ipHashes.size >= 10_000) ipHashes.clear();
    ipHashes.set(ip, hashed);
  }
  return hashed;
}
