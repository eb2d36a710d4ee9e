// Request bodies: at most 4 MiB, enforced while reading (Content-Length first, then a running
// count), so an oversized upload is refused without buffering it; then strict JSON + zod.
import { AppError, invalidRequestFromZod } from "@/lib/errors";

export const MAX_BODY_BYTES = 4 * 1024 * 1024;

function tooLarge(): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `Request body exceeds the ${MAX_BODY_BYTES / 1024 / 1024} MiB limit.`);
}

export async function readBodyBytes(req: Request, limit = MAX_BODY_BYTES): Promise<Uint8Array> {
  const declared = req.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) throw tooLarge();
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
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
export async function readJsonObject(req: Request): Promise<{ json: Record<string, unknown>; bytes: number }> {
  const bytes = await readBodyBytes(req);
  if (bytes.byteLength === 0) throw new AppError("INVALID_REQUEST", "Request body is empty; expected a JSON object.");
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    throw new AppError("INVALID_REQUEST", "Request body is not valid JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AppError("INVALID_REQUEST", "Request body must be a JSON object.");
  }
  return { json: value as Record<string, unknown>, bytes: bytes.byteLength };
}

interface SafeParser<T> {
  safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
}

export function parseWith<T>(schema: SafeParser<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw invalidRequestFromZod(r.error.issues);
  return r.data;
}
