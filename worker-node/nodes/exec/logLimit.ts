// A log rate limit for what a program writes (stderr, stray stdout lines): at most `perWindow` lines per
// window, then silence; the next line logged says how many were left out, so a flood cannot fill the log.

export type Admission = { log: true; suppressed: number } | { log: false };

export class LogLimit {
  private windowStart = Number.NEGATIVE_INFINITY;
  private count = 0;
  private suppressed = 0;

  constructor(
    private readonly perWindow: number,
    private readonly windowMs: number,
  ) {}

  /** Whether to log a line at time `now`, and how many lines were suppressed since the last one logged. */
  admit(now: number): Admission {
    if (now - this.windowStart >= this.windowMs) {
      this.windowStart = now;
      this.count = 0;
    }
    if (this.count >= this.perWindow) {
      this.suppressed += 1;
      return { log: false };
    }
    this.count += 1;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    return { log: true, suppressed };
  }
}

/** `text` cut to at most `max` characters, with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
