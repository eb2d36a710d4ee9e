// Next.js 16 proxy (formerly middleware): security headers on every page, with a fresh CSP
// nonce per request. Route handlers under /api answer JSON or redirects, not pages, and stay off
// this path (the gateway's hot path included); they get the static headers from next.config.ts.
import { NextResponse, type NextRequest } from "next/server";
import { env } from "@/lib/env";
import { appIsHttps, contentSecurityPolicy, staticSecurityHeaders } from "@/lib/security/headers";

export function proxy(request: NextRequest) {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  // The proxy runs on the Node.js runtime in Next 16 (edge is not available to it), so the schema loads here.
  const https = appIsHttps(env().APP_URL);
  // Raw NODE_ENV: Next inlines it at build time, so a production build never gets the dev CSP.
  const csp = contentSecurityPolicy(nonce, { dev: process.env.NODE_ENV === "development", https });
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("x-nonce", nonce);
  requestHeaders.set("Content-Security-Policy", csp);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("Content-Security-Policy", csp);
  for (const [name, value] of Object.entries(staticSecurityHeaders({ https }))) response.headers.set(name, value);
  return response;
}

export const config = {
  matcher: [{ source: "/((?!api/|_next/static|_next/image|favicon.ico).*)" }],
};
