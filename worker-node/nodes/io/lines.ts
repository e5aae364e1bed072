// Splits bytes into lines (\n or \r\n) as they arrive, cutting a line longer than a limit so it fits one message.

/** One line without its line break; `cut` when it was longer than the limit (bytes holds its start). */
export interface Line {
  bytes: Buffer;
  cut: boolean;
}

/** The longest start of `bytes` of at most `max` bytes that does not end inside a UTF-8 character. */
export function utf8Prefix(bytes: Buffer, max: number): Buffer {
  if (bytes.length <= max) return bytes;
  let end = max;
  // Back off over continuation bytes (10xxxxxx) to the first byte of the character that would be split.
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end);
}

export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  /** The current line was already emitted cut: skip its bytes up to the next line break. */
  private discarding = false;

  constructor(private readonly maxBytes: number) {}

  /** The lines `chunk` completes, in order; a too long line is returned (cut) as soon as it passes the limit. */
  push(chunk: Buffer): Line[] {
    const lines: Line[] = [];
    let from = 0;
    while (from < chunk.length) {
      const newline = chunk.indexOf(0x0a, from);
      const end = newline === -1 ? chunk.length : newline;
      if (!this.discarding && end > from) {
        this.parts.push(Buffer.from(chunk.subarray(from, end)));
        this.size += end - from;
        if (this.size > this.maxBytes) {
          lines.push({ bytes: utf8Prefix(this.joined(), this.maxBytes), cut: true });
          this.reset();
          this.discarding = true;
        }
      }
      if (newline === -1) break;
      if (!this.discarding) lines.push({ bytes: withoutCr(this.joined()), cut: false });
      this.reset();
      from = newline + 1;
    }
    return lines;
  }

  /** The last line, when the input ended without a line break after it. */
  end(): Line | undefined {
    const last = this.discarding || this.size === 0 ? undefined : { bytes: withoutCr(this.joined()), cut: false };
    this.reset();
    return last;
  }

  /** Bytes held of a line not yet complete. */
  get pending(): number {
    return this.size;
  }

  /** Forgets the line in progress (the file was truncated or replaced). */
  reset(): void {
    this.parts = [];
    this.size = 0;
    this.discarding = false;
  }

  private joined(): Buffer {
    return this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts, this.size);
  }
}

function withoutCr(bytes: Buffer): Buffer {
  return bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.subarray(0, bytes.length - 1) : bytes;
}
