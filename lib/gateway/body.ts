// Request bodies: at most 4 MiB, enforced while reading (Content-Length first, then a running
// count), so an oversized upload is refused without buffering it; then strict JSON + zod.
import { invalidRequestFromZod } from "@/lib/errors";
import { Refusal } from "./core/refusal";
import { header, type GatewayRequest } from "./core/types";

export const MAX_BODY_BYTES = 4 * 1024 * 1024;

function tooLarge(): Refusal {
  return new Refusal("PAYLOAD_TOO_LARGE", `Request body exceeds the ${MAX_BODY_BYTES / 1024 / 1024} MiB limit.`);
}

export async function readBodyBytes(req: Pick<GatewayRequest, "headers" | "body">, limit = MAX_BODY_BYTES): Promise<Uint8Array> {
  const declared = header(req.headers, "content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) throw tooLarge();
  const body = req.body;
  if (!body) return new Uint8Array();
  if (body instanceof Uint8Array) {
    if (body.byteLength > limit) throw tooLarge();
    return body;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const value of body) {
      size += value.byteLength;
      // Leaving the loop early ends the source (its return()): the rest is never buffered.
      if (size > limit) throw tooLarge();
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof Refusal) throw e;
    // The transport failed mid-body: the client hung up (or the connection broke).
    throw new Refusal("CLIENT_CLOSED", "The connection closed before the request body was complete.", { cause: e });
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** The body as a JSON object, or 400 INVALID_REQUEST / 413 PAYLOAD_TOO_LARGE. */
export async function readJsonObject(req: Pick<GatewayRequest, "headers" | "body">): Promise<{ json: Record<string, unknown>; bytes: number }> {
  const bytes = await readBodyBytes(req);
  if (bytes.byteLength === 0) throw new Refusal("INVALID_REQUEST", "Request body is empty; expected a JSON object.");
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new Refusal("INVALID_REQUEST", "Request body is not valid JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Refusal("INVALID_REQUEST", "Request body must be a JSON object.");
  }
  return { json: value as Record<string, unknown>, bytes: bytes.byteLength };
}

interface SafeParser<T> {
  safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
}

export function parseWith<T>(schema: SafeParser<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const e = invalidRequestFromZod(r.error.issues);
    throw new Refusal("INVALID_REQUEST", e.message, { param: e.param });
  }
  return r.data;
}
