// The client's own request id. The server always mints the request id it uses (rows, holds,
// concurrency slots, X-Request-Id); a caller's id — X-Client-Request-Id, or an X-Request-Id it
// (or a proxy in front of it) sent — is only kept as the account-scoped `client_request_id`:
// stored on the request row, searchable, echoed back in X-Client-Request-Id. Two calls with the
// same client id, from one tenant or two, are simply two requests.
import { AppError } from "@/lib/errors";

export const CLIENT_REQUEST_ID_MAX = 128;
// Letters, digits and the punctuation ids are made of (UUIDs, ULIDs, base64, trace ids); no
// spaces, quotes, commas or control characters, so it is safe in a header, a URL and a CSV.
const CLIENT_REQUEST_ID_RE = /^[A-Za-z0-9._:~+=@/-]+$/;

export const CLIENT_REQUEST_ID_HEADER = "x-client-request-id";

/** Whether `id` is an acceptable client request id. */
export function isValidClientRequestId(id: string): boolean {
  return id.length > 0 && id.length <= CLIENT_REQUEST_ID_MAX && CLIENT_REQUEST_ID_RE.test(id);
}

/**
 * The client's request id from the headers (X-Client-Request-Id first, else X-Request-Id), or
 * null when it sent none. A malformed one is refused (400) rather than silently dropped: the
 * caller would otherwise search for an id that was never stored.
 */
export function clientRequestIdFrom(get: (name: string) => string | null | undefined): string | null {
  for (const name of [CLIENT_REQUEST_ID_HEADER, "x-request-id"]) {
    const raw = get(name);
    if (raw === null || raw === undefined) continue;
    const id = raw.trim();
    if (id === "") continue;
    if (!isValidClientRequestId(id)) {
      const header = name === CLIENT_REQUEST_ID_HEADER ? "X-Client-Request-Id" : "X-Request-Id";
      throw new AppError(
        "INVALID_REQUEST",
        `${header} must be 1-${CLIENT_REQUEST_ID_MAX} characters of letters, digits and . _ : ~ + = @ / -. The gateway assigns its own request id (returned in X-Request-Id); yours is kept as the client request id.`,
        { param: header },
      );
    }
    return id;
  }
  return null;
}
