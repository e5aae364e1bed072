// Built-in node types: the exec group — `exec` runs a program in any language and talks NDJSON with it.
import type { NodeTypeDef } from "../nodeTypes.ts";
import { builtin } from "./define.ts";

/** The longest line either side of the exec protocol may write (bytes of UTF-8, the newline excluded). */
export const EXEC_MAX_LINE_BYTES = 1024 * 1024;

export const EXEC_TYPES: readonly NodeTypeDef[] = [
  builtin({
    type: "exec",
    version: "1.0.0",
    capability: "exec",
    title: "Exec",
    category: "processing",
    description: [
      "Runs a program on the worker (Python, a shell script, any language) and passes each message through it; what the program answers is emitted on out.",
      'Protocol, one JSON object per line: for each message the worker writes {"id": "<message id>", "key"?: "...", "value": <json>, "headers"?: {...}} to the program\'s stdin.',
      'The program answers on stdout with {"id": "<same id>", "value": <json>} to emit one message, {"id": ..., "values": [...]} to emit several (or none with []), or {"id": ..., "error": "text"} to fail that message (it goes to the error output, or is retried).',
      "Answers are matched by id and may come in any order; lines that are not JSON or name an unknown id are logged and skipped; a line over 1 MiB is an error. The program must flush stdout after each line. Its stderr goes to the worker log.",
      "The key and headers of a message are kept on what its answer emits. A message not answered within timeout fails and the program is restarted; a program that exits is restarted with backoff (100 ms doubling to 10 s), and the message it had in hand fails.",
    ].join(" "),
    inputs: ["in"],
    outputs: ["out"],
    params: {
      command: {
        type: "text",
        title: "Command",
        description:
          'The program to run on the worker, found on its PATH or given as a path, e.g. "python3" or "/usr/local/bin/score". It is run directly, not through a shell.',
        default: "",
        required: true,
        maxLength: 4096,
      },
      args: {
        type: "json",
        title: "Arguments",
        description:
          'The program\'s arguments, a JSON array of strings, e.g. ["examples/factorize.py"]. Relative paths are relative to the working directory.',
        default: [],
      },
      cwd: {
        type: "text",
        title: "Working directory",
        description: "Directory the program runs in, on the worker; empty: the directory the worker was started in.",
        default: "",
        maxLength: 4096,
      },
      env: {
        type: "json",
        title: "Environment",
        description:
          'Variables added to the worker\'s environment for the program, a JSON object of string values, e.g. {"MODEL": "small"}.',
        default: {},
      },
      maxInFlight: {
        type: "integer",
        title: "Max in flight",
        description:
          "The most messages written to the program and not yet answered. The worker hands a node one message at a time and acknowledges it only once answered, so today one message is in flight per node; this caps it should more be handed at once.",
        default: 16,
        min: 1,
        max: 1000,
      },
      timeout: {
        type: "duration",
        title: "Timeout",
        description:
          'Longest the program may take to answer one message, e.g. "30s" or "500ms". Past it the message fails and the program is restarted.',
        default: "30s",
        min: 1,
        max: 3_600_000,
      },
    },
  }),
];
