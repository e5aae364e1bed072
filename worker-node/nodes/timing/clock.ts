// The clock the timing nodes read and set timers with; injected so tests drive time by hand.

/** A timer a Clock set; only the clock that made it can clear it. */
export type TimerHandle = object;

export interface Clock {
  /** Milliseconds since some fixed point (the epoch for the system clock). */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(timer: TimerHandle | undefined): void;
}

/** Date.now and the global timers, looked up at each call (so vi.useFakeTimers also works). */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (timer) => {
    if (timer) globalThis.clearTimeout(timer as NodeJS.Timeout);
  },
};
