// Where to send the browser after sign-in. Only paths on our own origin are accepted: the
// candidate is percent-decoded until stable (a router or browser may decode `%5C` to `\`, and
// `/\evil.com` is read as `//evil.com`), must be a plain absolute path, and must still resolve
// to our origin. Anything else falls back to the console's home.
export const DEFAULT_AFTER_SIGN_IN = "/overview";

const BASE = "http://tollgate.invalid";

function decodeFully(value: string): string | null {
  let current = value;
  for (let i = 0; i < 5; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return null;
    }
    if (next === current) return current;
    current = next;
  }
  return null; // still changing after 5 rounds: nobody legitimate nests encodings that deep
}

/** A same-origin path (with query and hash) for `candidate`, or null when it is not one. */
export function sameOriginPath(candidate: string | null | undefined, origin: string = BASE): string | null {
  if (!candidate || candidate.length > 2000) return null;
  let value = candidate;
  // Absolute URLs on our own origin are reduced to their path first.
  if (!value.startsWith("/")) {
    try {
      const url = new URL(value);
      if (url.origin !== new URL(origin).origin) return null;
      value = `${url.pathname}${url.search}${url.hash}`;
    } catch {
      return null;
    }
  }
  const decoded = decodeFully(value);
  if (decoded === null) return null;
  // Only "/x…": no scheme-relative "//", no backslashes, no control characters or whitespace.
  if (!decoded.startsWith("/") || decoded.startsWith("//")) return null;
  if (/[\\\u0000-\u0020\u007f]/.test(decoded)) return null;
  let resolved: URL;
  try {
    resolved = new URL(value, origin);
  } catch {
    return null;
  }
  if (resolved.origin !== new URL(origin).origin) return null;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}

export function safeCallbackPath(candidate: string | null | undefined): string {
  return sameOriginPath(candidate) ?? DEFAULT_AFTER_SIGN_IN;
}
