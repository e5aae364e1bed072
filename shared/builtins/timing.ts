// Built-in node types: the timing group (see docs/nodes.md) — batch, delay and rate-limit.
import type { NodeTypeDef } from "../nodeTypes.ts";
import { builtin } from "./define.ts";

/** The most messages one batch (one group) holds; `count` cannot ask for more. */
export const BATCH_MAX_COUNT = 10_000;
/** The most groups a batch node holds at once when grouping by key. */
export const BATCH_MAX_GROUPS = 1000;
/** The longest a delay node may hold a message. */
export const DELAY_MAX_MS = 3_600_000;
/** The most messages a delay node may be told to hold. */
export const DELAY_MAX_HELD = 100_000;

const DAY_MS = 86_400_000;

export const TIMING_TYPES: readonly NodeTypeDef[] = [
  builtin({
    type: "batch",
    version: "1.0.0",
    title: "Batch",
    category: "processing",
    description:
      "Joins messages into batches: emits one message on out whose value is the array of the values it gathered, in arrival order, with the header batch.count. A batch goes out when it holds count messages, when timeout has passed since its first message, or early when one more value would make it too large for one message (256 KiB). With groupBy key it keeps one batch per message key and emits each with that key. Batches are held in memory and each message is acknowledged once held: a worker crash loses a partial batch (a graceful stop emits every partial batch).",
    inputs: ["in"],
    outputs: ["out"],
    params: {
      count: {
        type: "integer",
        title: "Batch size",
        description: `How many messages make a full batch; the batch is emitted as soon as it holds this many (1 to ${BATCH_MAX_COUNT}).`,
        default: 100,
        min: 1,
        max: BATCH_MAX_COUNT,
      },
      timeout: {
        type: "duration",
        title: "Timeout",
        description:
          'The longest a batch waits, counted from its first message: when it passes, what the batch holds is emitted even if it is not full. "0ms" waits for a full batch however long that takes.',
        default: "5s",
        min: 0,
        max: DAY_MS,
      },
      groupBy: {
        type: "select",
        title: "Group by",
        description: `none: every message goes into one batch. key: one batch per message key (messages without a key share one batch); each batch is emitted with its key. At most ${BATCH_MAX_GROUPS} keys may have a batch open at once: a message with a new key beyond that fails.`,
        default: "none",
        choices: ["none", "key"],
      },
    },
  }),
  builtin({
    type: "delay",
    version: "1.0.0",
    title: "Delay",
    category: "processing",
    description:
      "Emits each message on out, unchanged (value, key and headers), delay after it arrived, in arrival order. Messages wait in memory, at most maxHeld at a time: a message beyond that fails. When the downstream cannot take more, waiting messages are held until it can. Each message is acknowledged once held: a worker crash loses the messages waiting; a graceful stop emits them all at once.",
    inputs: ["in"],
    outputs: ["out"],
    params: {
      delay: {
        type: "duration",
        title: "Delay",
        description: 'How long each message waits before it is passed on, e.g. "500ms", "1s", "5m" (at most 1h).',
        default: "1s",
        min: 0,
        max: DELAY_MAX_MS,
      },
      maxHeld: {
        type: "integer",
        title: "Most messages held",
        description: `How many messages may wait at once (1 to ${DELAY_MAX_HELD}); a message arriving when this many wait fails (it goes to the error output, or is retried).`,
        default: 10_000,
        min: 1,
        max: DELAY_MAX_HELD,
      },
    },
  }),
  builtin({
    type: "rate-limit",
    version: "1.0.0",
    title: "Rate limit",
    category: "processing",
    description:
      "Passes messages on out, unchanged (value, key and headers), at most rate per `per` (a token bucket: up to rate may pass in a burst after a quiet spell). In delay mode a message over the rate waits for its turn, which slows the upstream down; in drop mode it is dropped (not an error) and the worker log reports how many were dropped, at most once a second.",
    inputs: ["in"],
    outputs: ["out"],
    params: {
      rate: {
        type: "integer",
        title: "Rate",
        description: "How many messages may pass in each period (1 to 1,000,000); also the largest burst.",
        default: 10,
        min: 1,
        max: 1_000_000,
      },
      per: {
        type: "duration",
        title: "Period",
        description: 'The period the rate is counted over, e.g. "1s" (10 per 1s is 10 messages a second) or "1m".',
        default: "1s",
        min: 1,
        max: DAY_MS,
      },
      mode: {
        type: "select",
        title: "Over the rate",
        description:
          "delay: hold a message until it may pass (nothing is lost; the upstream slows down). drop: drop it and go on (the number dropped is logged).",
        default: "delay",
        choices: ["delay", "drop"],
      },
    },
  }),
];
