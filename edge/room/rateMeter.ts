// Messages per second over the last whole second, from counts the room makes itself (not heartbeats).

export class RateMeter {
  private second = 0;
  private current = 0;
  private previous = 0;

  add(now: number, count: number): void {
    this.roll(now);
    this.current += count;
  }

  /** Messages counted in the last whole second (0 once a second passed without any). */
  rate(now: number): number {
    this.roll(now);
    return this.previous;
  }

  private roll(now: number): void {
    const second = Math.floor(now / 1000);
    if (second === this.second) return;
    this.previous = second === this.second + 1 ? this.current : 0;
    this.current = 0;
    this.second = second;
  }
}
