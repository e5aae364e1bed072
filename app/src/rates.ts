// Messages per second in and out of each node, from the counters of successive status pushes (the room pushes
// counts, not rates): a rate is the counters' change over the time between pushes, smoothed; a counter that went
// down (the process restarted) starts again from zero.

export interface Rate {
  in: number;
  out: number;
  /** When (ms) the rate was last worked out: one older than RATE_FRESH_MS is no longer shown. */
  at: number;
}

interface Sample {
  in: number;
  out: number;
  at: number;
}

/** Pushes closer together than this are folded into the next one (a rate over a few ms is noise). */
const MIN_INTERVAL_MS = 250;
/** A rate not refreshed for this long is stale: the room stops pushing when nothing changes. */
export const RATE_FRESH_MS = 3000;
/** Weight of the newest interval. */
const SMOOTHING = 0.5;

export interface RateMeter {
  /** Takes a push's counters at `now`; returns each node's rate (only nodes that have one). */
  update(counts: Iterable<{ nodeId: string; in: number; out: number }>, now: number): Record<string, Rate>;
}

export function createRateMeter(): RateMeter {
  let samples = new Map<string, Sample>();
  let rates: Record<string, Rate> = {};
  return {
    update(counts, now) {
      const nextSamples = new Map<string, Sample>();
      const next: Record<string, Rate> = {};
      for (const c of counts) {
        const before = samples.get(c.nodeId);
        const old = rates[c.nodeId];
        if (!before || c.in < before.in || c.out < before.out) {
          nextSamples.set(c.nodeId, { in: c.in, out: c.out, at: now });
          continue;
        }
        const dt = now - before.at;
        if (dt < MIN_INTERVAL_MS) {
          nextSamples.set(c.nodeId, before);
          if (old) next[c.nodeId] = old;
          continue;
        }
        const rawIn = ((c.in - before.in) * 1000) / dt;
        const rawOut = ((c.out - before.out) * 1000) / dt;
        const fresh = old !== undefined && now - old.at <= RATE_FRESH_MS;
        next[c.nodeId] = {
          in: fresh ? old.in * (1 - SMOOTHING) + rawIn * SMOOTHING : rawIn,
          out: fresh ? old.out * (1 - SMOOTHING) + rawOut * SMOOTHING : rawOut,
          at: now,
        };
        nextSamples.set(c.nodeId, { in: c.in, out: c.out, at: now });
      }
      samples = nextSamples;
      rates = next;
      return next;
    },
  };
}
