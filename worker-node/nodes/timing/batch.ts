// The `batch` node: joins messages into one array message by count or timeout, optionally one batch per key.
import { BATCH_MAX_GROUPS } from "../../../shared/builtins/timing.ts";
import type { JsonValue } from "../../../shared/graph.ts";
import { LIMITS } from "../../../shared/limits.ts";
import { builtinType } from "../../../shared/nodeTypes.ts";
import type { EmitOptions, NodeContext, NodeImpl } from "../../../shared/sdk.ts";
import { type Clock, systemClock, type TimerHandle } from "./clock.ts";

/** Room left in each batch message for its envelope (id, key, headers, ts) under the message size limit. */
const ENVELOPE_BYTES = 1024;
/** The most bytes of JSON a batch's array may take; one more value beyond it sends the batch early. */
export const BATCH_MAX_BYTES = LIMITS.maxMessageBytes - ENVELOPE_BYTES;

/** One open batch: the values of one key (or of every message, without groupBy) since its first message. */
interface Group {
  key: string | undefined;
  values: JsonValue[];
  /** Bytes of the JSON array the values make. */
  bytes: number;
  timer: TimerHandle | undefined;
}

/** The batch node reading time from `clock` (tests pass a hand-driven one). */
export function createBatchNode(clock: Clock = systemClock): NodeImpl {
  return {
    def: builtinType("batch"),
    create() {
      const groups = new Map<string | undefined, Group>();
      let context: NodeContext | undefined;
      let count = 100;
      let timeoutMs = 0;
      let byKey = false;

      const send = (group: Group): void => {
        clock.clearTimeout(group.timer);
        groups.delete(group.key);
        const ctx = context;
        if (!ctx || group.values.length === 0) return;
        const options: EmitOptions = { headers: { "batch.count": String(group.values.length) } };
        if (group.key !== undefined) options.key = group.key;
        if (!ctx.emit("out", group.values, options)) {
          ctx.log.warn(
            { count: group.values.length, key: group.key },
            `batch: a batch of ${group.values.length} value(s) was refused on out and is lost (the node's last error says why)`,
          );
        }
      };

      const open = (key: string | undefined): Group => {
        if (groups.size >= BATCH_MAX_GROUPS) {
          throw new Error(
            `batch: ${BATCH_MAX_GROUPS} keys already have a batch open (groupBy "key"), so the message with the new key ${JSON.stringify(String(key).slice(0, 40))} was refused; lower count or timeout so batches complete sooner`,
          );
        }
        const group: Group = { key, values: [], bytes: 2, timer: undefined };
        if (timeoutMs > 0) {
          group.timer = clock.setTimeout(() => {
            // Once the process is told to stop, stop() sends what is held (the runtime takes emits then).
            if (groups.get(key) === group && !context?.signal.aborted) send(group);
          }, timeoutMs);
        }
        groups.set(key, group);
        return group;
      };

      return {
        start(ctx) {
          context = ctx;
          count = Number(ctx.params.count);
          timeoutMs = Number(ctx.params.timeout);
          byKey = ctx.params.groupBy === "key";
        },
        onMessage(message) {
          const key = byKey ? message.key : undefined;
          const bytes = Buffer.byteLength(JSON.stringify(message.value));
          let group = groups.get(key);
          // One more value would make the batch too large for one message: send what it holds first.
          if (group && group.values.length > 0 && group.bytes + 1 + bytes > BATCH_MAX_BYTES) {
            send(group);
            group = undefined;
          }
          group ??= open(key);
          group.bytes += (group.values.length > 0 ? 1 : 0) + bytes;
          group.values.push(message.value);
          if (group.values.length >= count) send(group);
        },
        stop() {
          // Partial batches go out now: the runtime still publishes what a stopping process emits.
          for (const group of [...groups.values()]) send(group);
        },
      };
    },
  };
}

export const batchNode: NodeImpl = createBatchNode();
