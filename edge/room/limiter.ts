// Token buckets: per-connection rate limits (shared/limits.ts RATES), forgotten on close, and the broker's
// room rate (credit is paid for from one).

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
    return this.takeUpTo(1, now) === 1;
  }

  /** Takes as many whole tokens as it holds, up to `wanted`; returns how many. */
  takeUpTo(wanted: number, now: number): number {
    this.refill(now);
    const taken = Math.max(0, Math.min(Math.floor(this.tokens), wanted));
    this.tokens -= taken;
    return taken;
  }

  /** How many whole tokens the bucket holds now. */
  holds(now: number): number {
    this.refill(now);
    return Math.floor(this.tokens);
  }

  /** When the bucket will hold `amount` tokens (at most its burst), as of its last use. */
  holdsAt(amount: number): number {
    const need = Math.min(amount, this.rate.burst) - this.tokens;
    return this.at + Math.max(0, Math.ceil((need * 1000) / this.rate.perSecond));
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.at) / 1000;
    this.tokens = Math.min(this.rate.burst, this.tokens + elapsed * this.rate.perSecond);
    this.at = now;
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
