// Test helper: a hand-driven Clock. advance() fires due timers in time order, letting promise callbacks run
// between them, so a node's async work (awaited waits, credit) settles as it would in real time.
import type { Clock, TimerHandle } from "./clock.ts";

interface Pending {
  at: number;
  seq: number;
  callback: () => void;
}

/** Lets every queued promise callback run (one turn of the event loop; not a timed sleep). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Map<TimerHandle, Pending>();

  constructor(start = 1_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const handle = {};
    this.timers.set(handle, { at: this.time + Math.max(0, ms), seq: this.seq++, callback });
    return handle;
  }

  clearTimeout(timer: TimerHandle | undefined): void {
    if (timer) this.timers.delete(timer);
  }

  /** Timers set and neither fired nor cleared. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing every timer due by then in order (ties in the order they were set). */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      await settle();
      const next = this.nextDue(end);
      if (!next) break;
      const [handle, timer] = next;
      this.timers.delete(handle);
      this.time = timer.at;
      timer.callback();
    }
    this.time = end;
    await settle();
  }

  private nextDue(end: number): [TimerHandle, Pending] | undefined {
    let best: [TimerHandle, Pending] | undefined;
    for (const entry of this.timers) {
      const [, timer] = entry;
      if (timer.at > end) continue;
      if (!best || timer.at < best[1].at || (timer.at === best[1].at && timer.seq < best[1].seq)) best = entry;
    }
    return best;
  }
}
