// Token buckets for per-connection rate limits (shared/limits.ts RATES): in memory, forgotten on close.

export interface Rate {
  perSecond: number;
  burst: number;
}

export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly rate: Rate,
    now: number,
  ) {
    this.tokens = rate.burst;
    this.at = now;
  }

  /** Takes one token; false when the bucket is empty (the caller refuses or closes). */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.at) / 1000;
    this.tokens = Math.min(this.rate.burst, this.tokens + elapsed * this.rate.perSecond);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** One bucket per key (a connection id), created on first use. */
export class Limiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(readonly rate: Rate) {}

  take(key: string, now: number): boolean {
    const bucket = this.buckets.get(key) ?? new TokenBucket(this.rate, now);
    this.buckets.set(key, bucket);
    return bucket.take(now);
  }

  forget(key: string): void {
    this.buckets.delete(key);
  }

  /** The close reason for a connection that went past this rate. */
  describe(what: string): string {
    return `more than ${this.rate.perSecond} ${what} per second (bursts up to ${this.rate.burst})`;
  }
}
