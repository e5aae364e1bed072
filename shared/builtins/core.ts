// The first built-in types: the demo's random, factorize and log, and counter, http-request, file-write.
import type { NodeTypeDef } from "../nodeTypes.ts";
import { builtin } from "./define.ts";

export const CORE_TYPES: readonly NodeTypeDef[] = [
  builtin({
    type: "random",
    version: "1.0.0",
    title: "Random",
    category: "source",
    description: "Emits a random integer from 0 to 999 every intervalMs.",
    inputs: [],
    outputs: ["out"],
    params: {
      intervalMs: {
        type: "integer",
        title: "Interval (ms)",
        description: "Milliseconds between two numbers.",
        default: 1000,
        min: 1,
        max: 3_600_000,
      },
    },
  }),
  builtin({
    type: "counter",
    version: "1.0.0",
    title: "Counter",
    category: "source",
    description:
      "Emits the integers start, start + 1, … at ratePerSecond, or as fast as the downstream edges take them when ratePerSecond is 0; stops after count numbers (0: never).",
    inputs: [],
    outputs: ["out"],
    params: {
      ratePerSecond: {
        type: "integer",
        title: "Rate (per second)",
        description: "Numbers per second; 0 emits as fast as credit allows.",
        default: 10,
        min: 0,
        max: 1_000_000,
      },
      start: { type: "integer", title: "Start", description: "The first number.", default: 0, min: 0, max: 2 ** 52 },
      count: {
        type: "integer",
        title: "Count",
        description: "How many numbers to emit; 0 never stops.",
        default: 0,
        min: 0,
        max: 2 ** 52,
      },
    },
  }),
  builtin({
    type: "factorize",
    version: "1.0.0",
    title: "Factorize",
    category: "processing",
    description: "Emits { n, factors } with the prime factors of each input integer.",
    inputs: ["in"],
    outputs: ["out"],
    params: {},
  }),
  builtin({
    type: "http-request",
    version: "1.0.0",
    title: "HTTP request",
    category: "sink",
    description:
      "Sends each message as a JSON body to a URL and emits { status, body } on out; a failed or non-2xx request counts as an error.",
    inputs: ["in"],
    outputs: ["out"],
    params: {
      url: { type: "text", title: "URL", description: "http:// or https:// address to send to.", default: "" },
      method: {
        type: "select",
        title: "Method",
        description: "The HTTP method.",
        default: "POST",
        choices: ["POST", "PUT", "PATCH"],
      },
      authorization: {
        type: "secret",
        title: "Authorization",
        description: "A secret sent as the Authorization header (e.g. Bearer …); leave unset for none.",
        default: "",
      },
      timeoutMs: {
        type: "integer",
        title: "Timeout (ms)",
        description: "Longest a request may take.",
        default: 10_000,
        min: 100,
        max: 300_000,
      },
    },
  }),
  builtin({
    type: "file-write",
    version: "1.0.0",
    title: "File write",
    category: "sink",
    description:
      "Appends each message as one NDJSON line ({ id, key?, value, headers?, ts }) to a file on the worker; a message is acknowledged once written (and synced, per fsync).",
    inputs: ["in"],
    outputs: [],
    params: {
      path: {
        type: "text",
        title: "Path",
        description: "File to append to, on the worker's disk; its directory must exist.",
        default: "",
        required: true,
      },
      fsync: {
        type: "select",
        title: "fsync",
        description:
          "always: sync before each acknowledgement (nothing acknowledged is lost if the machine dies); interval: sync every second; never: leave it to the OS.",
        default: "always",
        choices: ["always", "interval", "never"],
      },
    },
  }),
  builtin({
    type: "log",
    version: "1.0.0",
    title: "Log",
    category: "sink",
    description: "Prints each message on the worker and keeps the last 100 for status.",
    inputs: ["in"],
    outputs: [],
    params: {
      prefix: { type: "text", title: "Prefix", description: "Printed before each message.", default: "" },
    },
  }),
];
