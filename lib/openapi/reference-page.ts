// GET /docs: the interactive API reference (Scalar), served entirely from this origin — the
// bundle from node_modules, no CDN, no web fonts, no inline script — so it works under a strict
// Content-Security-Policy. A nonce set by the proxy (x-nonce request header) is honoured.
import fs from "node:fs";
import path from "node:path";

const SCALAR_BUNDLE = path.join(process.cwd(), "node_modules", "@scalar", "api-reference", "dist", "browser", "standalone.js");

const escapeAttr = (s: string) => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/'/g, "&#39;");

/** The policy this page needs; the app's own (stricter elsewhere) may be added on top. */
export function referenceCsp(nonce: string | null): string {
  const script = nonce ? `'self' 'nonce-${nonce}'` : "'self'";
  // Scalar's components inject their styles at run time: style-src needs 'unsafe-inline'.
  return [
    "default-src 'self'",
    `script-src ${script}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
  ].join("; ");
}

export function referencePage(req: Request): Response {
  const raw = req.headers.get("x-nonce");
  const nonce = raw && /^[A-Za-z0-9+/=_-]{8,128}$/.test(raw) ? raw : null;
  const n = nonce ? ` nonce="${escapeAttr(nonce)}"` : "";
  const config = escapeAttr(JSON.stringify({ url: "/api/v1/openapi.json", withDefaultFonts: false, hideClientButton: true, agent: { disabled: true }, telemetry: false, metaData: { title: "Tollgate API reference" } }));
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tollgate API reference</title>
</head>
<body>
<noscript>The interactive reference needs JavaScript. The document itself is at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</noscript>
<script id="api-reference" type="application/json" data-url="/api/v1/openapi.json" data-configuration="${config}"${n}></script>
<script src="/docs/scalar.js"${n}></script>
</body>
</html>
`;
  return new Response(html, {
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "Content-Security-Policy": referenceCsp(nonce), "X-Content-Type-Options": "nosniff" },
  });
}

let bundle: Buffer | undefined;
export function referenceBundle(): Response {
  bundle ??= fs.readFileSync(SCALAR_BUNDLE);
  return new Response(new Uint8Array(bundle), {
    headers: { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff" },
  });
}
