// A counting semaphore: at most `size` holders at once, the others wait in arrival order (the exec node's
// bound on lines in flight).

export class Slots {
  private free: number;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    this.free = size;
  }

  /** Resolves once a slot is held; release() it exactly once. */
  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }

  /** Holders waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }
}
