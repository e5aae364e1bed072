// The `delay` node: passes each message on `delay` after it arrived, in order, holding at most maxHeld.
import type { JsonValue } from "../../../shared/graph.ts";
import { builtinType } from "../../../shared/nodeTypes.ts";
import type { EmitOptions, NodeContext, NodeImpl } from "../../../shared/sdk.ts";
import { type Clock, systemClock, type TimerHandle } from "./clock.ts";
import { Fifo } from "./fifo.ts";

interface Held {
  /** When it may go (clock time); the delay is one for all, so due times grow along the queue. */
  due: number;
  value: JsonValue;
  options: EmitOptions | undefined;
}

/** The delay node reading time from `clock` (tests pass a hand-driven one). */
export function createDelayNode(clock: Clock = systemClock): NodeImpl {
  return {
    def: builtinType("delay"),
    create() {
      const held = new Fifo<Held>();
      let context: NodeContext | undefined;
      let delayMs = 1000;
      let maxHeld = 10_000;
      let timer: TimerHandle | undefined;
      let pumping = false;
      let stopped = false;

      /** Once the process is told to stop, only stop() emits (the runtime takes emits then, not before). */
      const halted = (): boolean => stopped || context === undefined || context.signal.aborted;

      /** A timer for the head of the queue, unless one is set or the pump is running. */
      const schedule = (): void => {
        if (pumping || timer !== undefined || halted()) return;
        const head = held.peek();
        if (!head) return;
        timer = clock.setTimeout(
          () => {
            timer = undefined;
            void pump();
          },
          Math.max(0, head.due - clock.now()),
        );
      };

      /** Emits every due message in order; without credit on out it waits for credit first. */
      const pump = async (): Promise<void> => {
        const ctx = context;
        if (!ctx) return;
        pumping = true;
        try {
          for (;;) {
            if (halted()) return;
            const head = held.peek();
            if (!head || head.due > clock.now()) break;
            if (!ctx.credit("out")) {
              await ctx.waitForCredit("out");
              continue;
            }
            held.shift();
            ctx.emit("out", head.value, head.options);
          }
        } catch (error) {
          ctx.log.error({ error: String(error) }, `delay: waiting for credit on out failed: ${String(error)}`);
        } finally {
          pumping = false;
        }
        schedule();
      };

      return {
        start(ctx) {
          context = ctx;
          delayMs = Number(ctx.params.delay);
          maxHeld = Number(ctx.params.maxHeld);
        },
        onMessage(message) {
          if (held.length >= maxHeld) {
            throw new Error(
              `delay holds ${maxHeld} messages already (maxHeld), so this one was refused; raise maxHeld, shorten delay or slow the input`,
            );
          }
          const options: EmitOptions = {};
          if (message.key !== undefined) options.key = message.key;
          if (message.headers !== undefined) options.headers = message.headers;
          const passOn = Object.keys(options).length > 0 ? options : undefined;
          held.push({ due: clock.now() + delayMs, value: message.value, options: passOn });
          schedule();
        },
        stop() {
          stopped = true;
          clock.clearTimeout(timer);
          timer = undefined;
          // Everything held goes out at once: the runtime still publishes what a stopping process emits.
          for (let next = held.shift(); next; next = held.shift()) context?.emit("out", next.value, next.options);
        },
      };
    },
  };
}

export const delayNode: NodeImpl = createDelayNode();
