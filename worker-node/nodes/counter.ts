// The `counter` source: emits start, start + 1, … at a set rate, or as fast as the room's credit allows.
import { builtinType } from "../../shared/nodeTypes.ts";
import type { NodeContext, NodeImpl } from "../../shared/sdk.ts";

/** Numbers emitted per turn of the event loop when unthrottled, so timers and sockets keep their turn. */
const BURST = 1000;
/** A throttled counter ticks this often and emits what the rate owes since the last tick. */
const TICK_MS = 10;

export const counterNode: NodeImpl = {
  def: builtinType("counter"),
  create() {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    return {
      start(ctx) {
        const rate = Number(ctx.params.ratePerSecond);
        const count = Number(ctx.params.count);
        let next = Number(ctx.params.start);
        const end = count > 0 ? next + count : Number.POSITIVE_INFINITY;
        const emit = (limit: number): number => {
          let sent = 0;
          while (sent < limit && next < end && ctx.credit("out")) {
            if (!ctx.emit("out", next)) break;
            next += 1;
            sent += 1;
          }
          return sent;
        };
        if (rate === 0) {
          void unthrottled(ctx, () => stopped || next >= end, emit);
          return;
        }
        // Owed numbers accumulate while credit is short, but at most one second's worth.
        let owed = 0;
        let last = Date.now();
        timer = setInterval(() => {
          const now = Date.now();
          owed = Math.min(rate, owed + ((now - last) * rate) / 1000);
          last = now;
          owed -= emit(Math.floor(owed));
          if (next >= end) clearInterval(timer);
        }, TICK_MS);
      },
      stop() {
        stopped = true;
        clearInterval(timer);
      },
    };
  },
};

/** Emits bursts as long as there is credit, waiting for more when there is none. */
async function unthrottled(ctx: NodeContext, done: () => boolean, emit: (limit: number) => number): Promise<void> {
  while (!done() && !ctx.signal.aborted) {
    if (emit(BURST) === 0) await ctx.waitForCredit("out");
    else await new Promise((resolve) => setImmediate(resolve));
  }
}
