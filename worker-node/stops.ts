// Graceful stops (SCHED-6): a process told to stop finishes the message in hand, runs its stop(), gets
// what it emitted acknowledged and its settled deliveries acked; only then is it reported `stopped`.
import type { NodeRunner } from "./process.ts";
import type { Publisher } from "./publisher.ts";

export interface StopHooks {
  publisher: Publisher;
  /** Longest a stop may wait for acknowledgements before it drops what is left. */
  flushMs: number;
  /** Resolves once the acks the process's deliveries owe have been sent (or given up). */
  acked(runner: NodeRunner): Promise<unknown>;
  /** The stop is over and was not abandoned: send `state{stopped}` if the connection is the same. */
  report(runner: NodeRunner): void;
  /** A stop ended (the load changed). */
  ended(runner: NodeRunner): void;
}

type StopEnd = { kind: "flushed" } | { kind: "timeout" } | { kind: "abandoned"; why: string };

interface Stop {
  runner: NodeRunner;
  /** Settles once the stop is over: flushed, timed out or abandoned. */
  done: Promise<void>;
  /** Ends the stop at once, dropping what is still un-acknowledged. */
  abandon(why: string): void;
}

/** The processes of one graph that are stopping, oldest first; a node may have several epochs here. */
export class Stops {
  private readonly stops = new Map<NodeRunner, Stop>();

  constructor(private readonly hooks: StopHooks) {}

  get size(): number {
    return this.stops.size;
  }

  has(runner: NodeRunner): boolean {
    return this.stops.has(runner);
  }

  /** The stopping process of (nodeId, epoch). */
  find(nodeId: string, epoch: number): NodeRunner | undefined {
    for (const runner of this.stops.keys()) if (runner.nodeId === nodeId && runner.epoch === epoch) return runner;
    return undefined;
  }

  /** Settles when the newest stop of `nodeId` is over; undefined when none is under way. */
  lastOf(nodeId: string): Promise<void> | undefined {
    let last: Stop | undefined;
    for (const stop of this.stops.values()) if (stop.runner.nodeId === nodeId) last = stop;
    return last?.done;
  }

  /**
   * Starts the graceful stop of `runner`: halts it at once, then waits — at most flushMs — for the
   * message in hand, the node's stop(), the room's acknowledgement of everything it emitted and the
   * acks of its deliveries. Past flushMs what is un-acknowledged is dropped and counted as errors.
   */
  begin(runner: NodeRunner): void {
    const { publisher, flushMs } = this.hooks;
    runner.halt();
    let timer: NodeJS.Timeout | undefined;
    let resolveDone = (): void => {};
    let concluded = false;
    const conclude = (end: StopEnd): void => {
      if (concluded) return;
      concluded = true;
      clearTimeout(timer);
      this.stops.delete(runner);
      const dropped = publisher.discard(runner.nodeId, runner.epoch);
      const what = `${runner.nodeType} (node ${runner.nodeId}, epoch ${runner.epoch})`;
      if (end.kind === "flushed") {
        runner.log.info({ out: runner.out }, `stopped ${what}`);
      } else if (end.kind === "timeout") {
        if (dropped > 0) {
          runner.countErrors(
            dropped,
            `${dropped} message(s) not acknowledged within ${flushMs} ms of stopping; dropped`,
          );
        }
        runner.log.warn(
          { dropped },
          `stopped ${what} after ${flushMs} ms without flushing: dropped ${dropped} un-acknowledged message(s)`,
        );
      } else {
        const line = `stopped ${what} (${end.why}): dropped ${dropped} un-acknowledged message(s)`;
        if (dropped > 0) runner.log.warn({ dropped }, line);
        else runner.log.info({ dropped }, line);
      }
      if (end.kind !== "abandoned") this.hooks.report(runner);
      void runner.finish();
      resolveDone();
      this.hooks.ended(runner);
    };
    this.stops.set(runner, {
      runner,
      done: new Promise((resolve) => {
        resolveDone = resolve;
      }),
      abandon: (why) => conclude({ kind: "abandoned", why }),
    });
    timer = setTimeout(() => conclude({ kind: "timeout" }), flushMs);
    void this.flush(runner).then(() => conclude({ kind: "flushed" }));
  }

  /** Ends every stop at once (the connection is gone, or the worker stops); resolves when all are over. */
  abandonAll(why: string): Promise<void> {
    const stops = [...this.stops.values()];
    for (const stop of stops) stop.abandon(why);
    return Promise.all(stops.map((stop) => stop.done)).then(() => undefined);
  }

  private async flush(runner: NodeRunner): Promise<void> {
    await runner.idle();
    await runner.finish();
    await this.hooks.publisher.settled(runner.nodeId);
    await this.hooks.acked(runner);
  }
}
