// The `rate-limit` node: a token bucket passing at most `rate` messages per `per`; over it, wait or drop.
import { builtinType, formatDuration } from "../../../shared/nodeTypes.ts";
import type { Message } from "../../../shared/protocol.ts";
import type { EmitOptions, NodeContext, NodeImpl } from "../../../shared/sdk.ts";
import { type Clock, systemClock, type TimerHandle } from "./clock.ts";

/** Drops are logged at most this often. */
export const DROP_LOG_MS = 1000;

/** The rate-limit node reading time from `clock` (tests pass a hand-driven one). */
export function createRateLimitNode(clock: Clock = systemClock): NodeImpl {
  return {
    def: builtinType("rate-limit"),
    create() {
      let context: NodeContext | undefined;
      let rate = 10;
      let perMs = 1000;
      let dropMode = false;
      // The bucket in integer units: one message costs perMs units, rate units come back each millisecond,
      // and it holds rate messages' worth (the burst). Integers keep the arithmetic exact.
      let capacity = 0;
      let units = 0;
      let last = 0;
      let waiting: { timer: TimerHandle; wake: () => void } | undefined;
      let dropped = 0;
      let droppedTotal = 0;
      let logTimer: TimerHandle | undefined;

      const take = (): boolean => {
        const now = clock.now();
        units = Math.min(capacity, units + Math.max(0, now - last) * rate);
        last = now;
        if (units < perMs) return false;
        units -= perMs;
        return true;
      };

      const sleep = (ms: number): Promise<void> =>
        new Promise((resolve) => {
          const wake = (): void => {
            if (waiting) clock.clearTimeout(waiting.timer);
            waiting = undefined;
            resolve();
          };
          waiting = { timer: clock.setTimeout(wake, ms), wake };
        });

      const pass = (ctx: NodeContext, message: Message): void => {
        const options: EmitOptions = {};
        if (message.key !== undefined) options.key = message.key;
        if (message.headers !== undefined) options.headers = message.headers;
        ctx.emit("out", message.value, Object.keys(options).length > 0 ? options : undefined);
      };

      const reportDrops = (): void => {
        if (dropped === 0 || !context) return;
        context.log.warn(
          { dropped, droppedTotal },
          `rate-limit: dropped ${dropped} message(s) over the rate of ${rate} per ${formatDuration(perMs)} (${droppedTotal} in all)`,
        );
        dropped = 0;
      };

      /** The first drop after a quiet spell is logged at once; later ones are summed and logged once a second. */
      const countDrop = (): void => {
        dropped += 1;
        droppedTotal += 1;
        if (logTimer !== undefined) return;
        reportDrops();
        const windowEnd = (): void => {
          logTimer = undefined;
          if (dropped === 0) return;
          reportDrops();
          logTimer = clock.setTimeout(windowEnd, DROP_LOG_MS);
        };
        logTimer = clock.setTimeout(windowEnd, DROP_LOG_MS);
      };

      return {
        start(ctx) {
          context = ctx;
          rate = Number(ctx.params.rate);
          perMs = Number(ctx.params.per);
          dropMode = ctx.params.mode === "drop";
          capacity = rate * perMs;
          units = capacity;
          last = clock.now();
          // A message waiting for a token when the process stops is passed at once (it is the message in hand).
          ctx.signal.addEventListener("abort", () => waiting?.wake(), { once: true });
        },
        async onMessage(message) {
          const ctx = context;
          if (!ctx) throw new Error("rate-limit: a message arrived before start");
          if (take()) {
            pass(ctx, message);
            return;
          }
          if (dropMode) {
            countDrop();
            return;
          }
          // Delay mode: this message waits for its token, and the next is not taken until it has passed.
          while (!ctx.signal.aborted && !take()) await sleep(Math.max(1, Math.ceil((perMs - units) / rate)));
          pass(ctx, message);
        },
        stop() {
          waiting?.wake();
          clock.clearTimeout(logTimer);
          logTimer = undefined;
          reportDrops();
        },
      };
    },
  };
}

export const rateLimitNode: NodeImpl = createRateLimitNode();
