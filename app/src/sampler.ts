// A rate-limited sampling loop: calls `fetch` at most once per `intervalMs`, never two at once, until stopped.
// The edge debug panel samples queued messages with it (peek) while it is open.

export interface SamplerOptions<T> {
  fetch: () => Promise<T>;
  onSample: (sample: T) => void;
  /** A failed fetch stops the loop (it can be started again); the caller reports the error once. */
  onError: (error: unknown) => void;
  intervalMs?: number;
  /** Injected for tests. */
  now?: () => number;
  setTimer?: (run: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

export interface Sampler {
  start(): void;
  stop(): void;
  readonly running: boolean;
}

export function createSampler<T>(options: SamplerOptions<T>): Sampler {
  const intervalMs = options.intervalMs ?? 1000;
  const now = options.now ?? Date.now;
  const setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
  const clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  // A new generation on every start and stop: a fetch that answers after a stop is ignored.
  let generation = 0;
  let running = false;
  let timer: unknown;
  let lastStart = Number.NEGATIVE_INFINITY;

  const tick = (mine: number) => {
    timer = undefined;
    lastStart = now();
    options.fetch().then(
      (sample) => {
        if (mine !== generation) return;
        options.onSample(sample);
        timer = setTimer(() => tick(mine), Math.max(0, lastStart + intervalMs - now()));
      },
      (error: unknown) => {
        if (mine !== generation) return;
        running = false;
        generation++;
        options.onError(error);
      },
    );
  };

  return {
    start() {
      if (running) return;
      running = true;
      const mine = ++generation;
      // Re-opening at once still waits out the interval since the last request began.
      timer = setTimer(() => tick(mine), Math.max(0, lastStart + intervalMs - now()));
    },
    stop() {
      if (!running) return;
      running = false;
      generation++;
      if (timer !== undefined) clearTimer(timer);
      timer = undefined;
    },
    get running() {
      return running;
    },
  };
}
