// Incremental Server-Sent Events parsing. Events are forwarded whole (the smallest unit we can
// inspect), so the client sees each one as soon as its last byte arrived from upstream.
export interface SseEvent {
  /** The exact text of the event including its terminating blank line. */
  raw: string;
  event: string | null;
  data: string | null;
}

export class SseParser {
  private buffer = "";
  private readonly decoder = new TextDecoder("utf-8");

  /** Feeds bytes; returns the events completed by them. */
  push(chunk: Uint8Array): SseEvent[] {
    this.buffer += this.decoder.decode(chunk, { stream: true });
    return this.drain();
  }

  /** Whatever is left when the upstream ends (an unterminated last event counts). */
  end(): SseEvent[] {
    this.buffer += this.decoder.decode();
    const rest = this.buffer.trim() ? [parseEvent(this.buffer + "\n\n")] : [];
    this.buffer = "";
    return rest;
  }

  private drain(): SseEvent[] {
    const out: SseEvent[] = [];
    for (;;) {
      const m = /\r\n\r\n|\n\n|\r\r/.exec(this.buffer);
      if (!m) break;
      const end = m.index + m[0].length;
      const raw = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end);
      if (raw.trim() === "") continue;
      out.push(parseEvent(raw));
    }
    return out;
  }
}

function parseEvent(raw: string): SseEvent {
  let event: string | null = null;
  const data: string[] = [];
  for (const line of raw.split(/\r\n|\n|\r/)) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
  }
  return { raw, event, data: data.length ? data.join("\n") : null };
}

export function sseData(obj: unknown, event?: string): string {
  return `${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(obj)}\n\n`;
}
