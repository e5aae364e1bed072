// The `random` source: emits an integer from 0 to 999 every intervalMs.
import { builtinType } from "../../shared/nodeTypes.ts";
import type { NodeImpl } from "../../shared/sdk.ts";

/** Maps a uniform [0, 1) draw to an integer 0..999. */
export function randomInt(random: () => number = Math.random): number {
  return Math.min(999, Math.max(0, Math.floor(random() * 1000)));
}

/** `random` with an injectable generator (tests pass a seeded one). */
export function createRandomNode(random: () => number = Math.random): NodeImpl {
  return {
    def: builtinType("random"),
    create() {
      let timer: NodeJS.Timeout | undefined;
      return {
        start(ctx) {
          const intervalMs = Number(ctx.params.intervalMs);
          // Without credit the tick is skipped: the source slows to what the consumers take.
          timer = setInterval(() => {
            if (ctx.credit("out")) ctx.emit("out", randomInt(random));
          }, intervalMs);
        },
        stop() {
          clearInterval(timer);
          timer = undefined;
        },
      };
    },
  };
}

export const randomNode: NodeImpl = createRandomNode();
