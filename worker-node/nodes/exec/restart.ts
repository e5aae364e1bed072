// When the exec node restarts a program that exited or hung: 100 ms, doubling on each crash in a row up to
// 10 s; a program that ran for 30 s before it crashed starts again from 100 ms.

export interface RestartPolicy {
  initialMs: number;
  maxMs: number;
  /** Uptime after which a crash no longer counts as "in a row". */
  resetAfterMs: number;
}

export const RESTART_POLICY: RestartPolicy = { initialMs: 100, maxMs: 10_000, resetAfterMs: 30_000 };

export class RestartBackoff {
  private crashes = 0;

  constructor(private readonly policy: RestartPolicy = RESTART_POLICY) {}

  /** The delay before the next start, for a program that ran `uptimeMs` before it ended. */
  next(uptimeMs: number): number {
    if (uptimeMs >= this.policy.resetAfterMs) this.crashes = 0;
    const delay = Math.min(this.policy.maxMs, this.policy.initialMs * 2 ** Math.min(this.crashes, 30));
    this.crashes += 1;
    return delay;
  }
}
