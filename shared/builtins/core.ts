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
    version: "1.1.0",
    title: "HTTP request",
    category: "sink",
    description:
      "Sends an HTTP request for each message (POST, PUT and PATCH send the message's value as a JSON body; GET and DELETE send none) and emits { status, body } on out (with headers too if asked), body parsed as JSON when the answer is JSON. Network errors, timeouts, 429 and 5xx answers are retried with exponential backoff; once retries run out, or at once on another non-2xx answer, the message fails (it goes to the error output when one is wired).",
    inputs: ["in"],
    outputs: ["out"],
    params: {
      url: { type: "text", title: "URL", description: "http:// or https:// address to send to.", default: "" },
      method: {
        type: "select",
        title: "Method",
        description:
          "The HTTP method. POST, PUT and PATCH send the message's value as JSON; GET and DELETE send no body.",
        default: "POST",
        choices: ["POST", "PUT", "PATCH", "GET", "DELETE"],
      },
      authorization: {
        type: "secret",
        title: "Authorization",
        description: "A secret sent as the Authorization header (e.g. Bearer …); leave unset for none.",
        default: "",
      },
      headers: {
        type: "json",
        title: "Headers",
        description:
          'More request headers, as a JSON object of strings, such as {"x-api-version": "2"}. The authorization secret, when set, wins over an Authorization header here; put secrets in it, not here.',
        default: {},
      },
      timeoutMs: {
        type: "integer",
        title: "Timeout (ms)",
        description: "Longest one attempt may take, in milliseconds; a slower answer counts as a failed attempt.",
        default: 10_000,
        min: 100,
        max: 300_000,
      },
      retries: {
        type: "integer",
        title: "Retries",
        description:
          "How many times a request is tried again after a network error, a timeout, or a 429 or 5xx answer (0: never). Other 4xx answers fail at once.",
        default: 2,
        min: 0,
        max: 10,
      },
      retryBackoff: {
        type: "duration",
        title: "Retry backoff",
        description:
          'Wait before the first retry, such as "500ms"; it doubles for each retry after it (at most 30s), with random jitter. A Retry-After header in the answer is used instead (at most 30s).',
        default: "500ms",
        min: 0,
        max: 30_000,
      },
      responseType: {
        type: "select",
        title: "Response type",
        description:
          "How body is emitted. auto: parsed JSON when the answer's content-type is JSON, else text. json: always parsed (an answer that is not JSON fails the message). text: always the text.",
        default: "auto",
        choices: ["auto", "json", "text"],
      },
      responseHeaders: {
        type: "boolean",
        title: "Emit response headers",
        description: "Also emit the answer's headers, as { status, headers, body } with lower-case header names.",
        default: false,
      },
    },
  }),
  builtin({
    type: "file-write",
    version: "1.0.0",
    capability: "files",
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
