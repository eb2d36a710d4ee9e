// Deterministic token math and directive parsing shared by the OpenAI and Anthropic handlers.
// Everything here is a pure function so tests (and the gateway's own tests) can predict charges.
import { createHash } from "node:crypto";

export const DEFAULT_OUTPUT_TOKENS = 16;
export const EMBEDDING_DIMENSIONS = 16;

export type Fault = "429" | "500" | "hang" | "cut" | "no-usage";
const FAULTS: readonly Fault[] = ["429", "500", "hang", "cut", "no-usage"];

export interface Directives {
  /** Output tokens before the max_tokens clamp (`#tokens=N`, default 16). */
  tokens: number;
  /** Delay before the first byte (`#latency=MS`). */
  latencyMs: number;
  /** Delay between streamed token chunks (`#interval=MS`). */
  intervalMs: number;
  fault: Fault | null;
  /** `#fault-first=K`: the fault only hits the first K requests carrying the same directive text. */
  faultFirst: number | null;
}

// Upper bounds keep a hostile or mistyped directive from pinning the mock for hours.
const MAX_TOKENS_DIRECTIVE = 1_000_000;
const MAX_DELAY_MS = 600_000;

function intDirective(text: string, name: string, max: number): number | null {
  const m = new RegExp(`#${name}=(\\d{1,9})(?![\\w-])`).exec(text);
  if (!m) return null;
  return Math.min(Number(m[1]), max);
}

export function parseDirectives(text: string): Directives {
  const faultMatch = /#fault=(429|500|hang|cut|no-usage)(?![\w-])/.exec(text);
  const fault = faultMatch && (FAULTS as readonly string[]).includes(faultMatch[1]) ? (faultMatch[1] as Fault) : null;
  return {
    tokens: intDirective(text, "tokens", MAX_TOKENS_DIRECTIVE) ?? DEFAULT_OUTPUT_TOKENS,
    latencyMs: intDirective(text, "latency", MAX_DELAY_MS) ?? 0,
    intervalMs: intDirective(text, "interval", MAX_DELAY_MS) ?? 0,
    fault,
    faultFirst: intDirective(text, "fault-first", MAX_TOKENS_DIRECTIVE),
  };
}

export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

/** ceil(bytes / 4), at least 1 — the mock's tokenizer. */
export function tokensForBytes(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 4));
}

/**
 * Text of a message `content`: a string, or an array of parts of which only text parts count
 * (`{type:"text", text}` in both APIs). Images/tool blocks add nothing, which keeps the math simple.
 */
export function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  let out = "";
  for (const part of content) {
    if (part && typeof part === "object") {
      const p = part as { type?: unknown; text?: unknown };
      if ((p.type === "text" || p.type === undefined) && typeof p.text === "string") out += p.text;
    } else if (typeof part === "string") {
      out += part;
    }
  }
  return out;
}

/**
 * Bytes of inline document, file and audio data in a message `content` — billed like text, the
 * way a real provider bills what it reads from a document (so a gateway that holds a flat amount
 * for documents is caught undercharging). Images still add nothing.
 */
export function attachmentBytes(content: unknown): number {
  if (!Array.isArray(content)) return 0;
  let n = 0;
  for (const part of content) {
    if (!part || typeof part !== "object") continue;
    const p = part as Record<string, unknown>;
    const src = p.source && typeof p.source === "object" ? (p.source as Record<string, unknown>) : null;
    const file = p.file && typeof p.file === "object" ? (p.file as Record<string, unknown>) : p.input_audio && typeof p.input_audio === "object" ? (p.input_audio as Record<string, unknown>) : null;
    const data = p.type === "document" ? src?.data : p.type === "file" || p.type === "input_audio" ? (file?.file_data ?? file?.data) : undefined;
    if (typeof data === "string") n += utf8Bytes(data);
  }
  return n;
}

/** Output pieces: "tok", " tok", " tok"… — their concatenation is the non-streamed content. */
export function outputPieces(n: number): string[] {
  const pieces: string[] = [];
  for (let i = 0; i < n; i++) pieces.push(i === 0 ? "tok" : " tok");
  return pieces;
}

export function outputText(n: number): string {
  return outputPieces(n).join("");
}

/**
 * 16 float32 values in [-1, 1) derived from SHA-256 of the text (two bytes each). Values are
 * float32-rounded so the JSON floats and the base64 encoding decode to the same numbers.
 */
export function embeddingVector(text: string): number[] {
  const digest = createHash("sha256").update(text, "utf8").digest();
  const out: number[] = [];
  for (let i = 0; i < EMBEDDING_DIMENSIONS; i++) {
    const v = digest.readUInt16BE(i * 2);
    out.push(Math.fround(v / 32768 - 1));
  }
  return out;
}

export function embeddingBase64(vector: number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  vector.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString("base64");
}

/**
 * Tracks `#fault-first=K`: lets a test see a fault on the first K attempts and success afterwards
 * (e.g. a gateway retry that recovers). Keyed by the directive-carrying text, per server instance.
 */
export class FaultCounter {
  private seen = new Map<string, number>();

  shouldFault(d: Directives, key: string): boolean {
    if (!d.fault) return false;
    if (d.faultFirst === null) return true;
    const n = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, n);
    // Bounded so a long-running mock cannot grow without limit.
    if (this.seen.size > 10_000) this.seen.clear();
    return n <= d.faultFirst;
  }
}
