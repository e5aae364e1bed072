// Splits a program's output stream into lines (NDJSON), refusing a line longer than a byte limit without
// buffering it: what a program writes cannot grow the worker's memory past that limit.

/** A complete line (without its newline), or a line found longer than the limit (reported once, at once). */
export type LineEvent = { kind: "line"; text: string } | { kind: "overflow"; maxBytes: number };

const NEWLINE = 0x0a;

export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  /** Inside a line already reported as too long: bytes up to its newline are dropped. */
  private skipping = false;

  constructor(private readonly maxBytes: number) {}

  /** The complete lines in `chunk` (joined to what came before it), and an overflow for a line past maxBytes. */
  push(chunk: Buffer): LineEvent[] {
    const events: LineEvent[] = [];
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(NEWLINE, start);
      if (end === -1) break;
      this.take(chunk.subarray(start, end), events);
      this.finishLine(events);
      start = end + 1;
    }
    if (start < chunk.length) this.take(chunk.subarray(start), events);
    return events;
  }

  /** The stream ended: a last line without a newline still counts. */
  end(): LineEvent[] {
    const events: LineEvent[] = [];
    if (this.size > 0) this.finishLine(events);
    this.skipping = false;
    return events;
  }

  private take(bytes: Buffer, events: LineEvent[]): void {
    if (this.skipping) return;
    if (this.size + bytes.length > this.maxBytes) {
      this.skipping = true;
      this.parts = [];
      this.size = 0;
      events.push({ kind: "overflow", maxBytes: this.maxBytes });
      return;
    }
    if (bytes.length === 0) return;
    // A copy: the stream may reuse the chunk's memory.
    this.parts.push(Buffer.from(bytes));
    this.size += bytes.length;
  }

  private finishLine(events: LineEvent[]): void {
    if (this.skipping) {
      this.skipping = false;
      return;
    }
    let text = Buffer.concat(this.parts, this.size).toString("utf8");
    if (text.endsWith("\r")) text = text.slice(0, -1);
    this.parts = [];
    this.size = 0;
    events.push({ kind: "line", text });
  }
}
