// Built-in node types: the transform group (see docs/nodes.md) — `transform`, user JavaScript run in a sandbox.
import type { NodeTypeDef } from "../nodeTypes.ts";
import { builtin } from "./define.ts";

/** Longest transform code, in characters. */
export const TRANSFORM_MAX_CODE_CHARS = 100_000;

export const TRANSFORM_TYPES: readonly NodeTypeDef[] = [
  builtin({
    type: "transform",
    version: "1.0.0",
    capability: "exec",
    title: "Transform",
    category: "processing",
    description:
      "Runs your JavaScript on each message on in and emits what it returns on out. The code runs in a sandbox " +
      "on the worker (a separate thread with its own heap limit, without require, process, files or network); " +
      "a message that runs longer than timeout, runs out of memory or throws fails (to the error port when " +
      "wired), and the next message runs in a fresh sandbox when needed.",
    inputs: ["in"],
    outputs: ["out"],
    params: {
      code: {
        type: "code",
        language: "javascript",
        title: "Code",
        description:
          "The body of a function (msg, ctx), which may use await. msg is the input message " +
          "{ id, key, value, headers, ts } (key and headers only when it has them). Return a message to emit " +
          "one: an object with a value field and optionally key (a string) and headers (an object of strings); " +
          "id and ts are set by Weft and ignored, any other field is an error. Spread msg to keep its key and " +
          "headers: return { ...msg, value: msg.value * 2 }. Return an array of messages to emit several (null " +
          "entries are skipped), or null or nothing to emit none. Anything else, such as a bare number, is an " +
          "error. Values must be plain JSON: functions, BigInts, Dates, Maps, NaN and cycles are errors. " +
          "ctx.log(...) and console.log(...) write to the worker log (ctx.graphId and ctx.nodeId are there too). " +
          "Globals are JavaScript's own (JSON, Math, Date, Promise, …) plus structuredClone; there is no " +
          "require, import, process, timers or network. Globals you set persist between messages until the " +
          "sandbox is restarted.",
        default: "return { ...msg, value: msg.value };",
        required: true,
        maxLength: TRANSFORM_MAX_CODE_CHARS,
      },
      timeout: {
        type: "duration",
        title: "Timeout",
        description:
          'Longest one message may run, e.g. "1s" or "250ms", awaits included. A message that takes longer ' +
          "(an endless loop, a promise that never settles) fails, its sandbox is killed, and a fresh one " +
          "(without the old one's globals) runs the next message.",
        default: "1s",
        min: 1,
        max: 60_000,
      },
      memoryMb: {
        type: "integer",
        title: "Memory limit (MB)",
        description:
          "Heap limit of the sandbox in megabytes. A message whose code goes past it fails with an " +
          "out-of-memory error and the sandbox is restarted (its globals are lost).",
        default: 64,
        min: 16,
        max: 1024,
      },
    },
  }),
];
