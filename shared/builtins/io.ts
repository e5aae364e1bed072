// Built-in node types: the io group (see docs/nodes.md): cron, file-read, file-watch and debug.
import type { NodeTypeDef } from "../nodeTypes.ts";
import { builtin } from "./define.ts";

/** A line longer than this (bytes of UTF-8) is cut, so it fits one message (at most 256 KiB of JSON). */
export const MAX_LINE_BYTES = 200 * 1024;
/** file-read in mode whole emits the file as one message: at most this many bytes of JSON. */
export const MAX_WHOLE_JSON_BYTES = 200 * 1024;

export const IO_TYPES: readonly NodeTypeDef[] = [
  builtin({
    type: "cron",
    version: "1.0.0",
    title: "Cron",
    category: "source",
    description:
      'Emits { firedAt, schedule } on out each time a cron schedule fires (firedAt is the ISO time it was due), or payload instead when it is set. A tick that finds the downstream full is skipped, not queued. Schedules use croner syntax: five fields (minute hour day month weekday), or six with seconds first ("*/5 * * * * *": every 5 seconds), and nicknames such as "@hourly".',
    inputs: [],
    outputs: ["out"],
    params: {
      schedule: {
        type: "text",
        title: "Schedule",
        description:
          'A cron expression: "0 * * * *" (every hour), "*/10 * * * * *" (every 10 seconds, seconds field first), "0 9 * * 1-5" (9:00 on weekdays), or "@daily".',
        default: "",
        required: true,
        maxLength: 200,
      },
      timezone: {
        type: "text",
        title: "Time zone",
        description:
          'IANA time zone the schedule is read in, such as "Europe/Berlin" or "UTC"; empty uses the time zone of the worker running it.',
        default: "",
        maxLength: 64,
      },
      payload: {
        type: "json",
        title: "Payload",
        description:
          "A JSON value to emit on each tick instead of { firedAt, schedule }; null emits { firedAt, schedule }.",
        default: null,
      },
    },
  }),
  builtin({
    type: "file-read",
    version: "1.0.0",
    capability: "files",
    title: "File read",
    category: "source",
    description:
      "Reads a file on the worker's disk once, when it starts, and emits it on out: one message per line (lines), one parsed JSON value per line (ndjson), or the whole file as one string (whole). It emits only as fast as the downstream takes messages, logs how many it emitted, then stays idle; restarting the node reads the file again.",
    inputs: [],
    outputs: ["out"],
    params: {
      path: {
        type: "text",
        title: "Path",
        description: "The file to read, on the disk of the worker that runs the node (an absolute path is safest).",
        default: "",
        required: true,
        maxLength: 4096,
      },
      mode: {
        type: "select",
        title: "Mode",
        description:
          "lines: each line is a string message (line breaks removed; lines over 200 KiB are cut). ndjson: each line is parsed as JSON and emitted as that value; a line that is not JSON is skipped with a warning naming its line number; empty lines are ignored. whole: the file is one string message, for files up to 200 KiB (one message holds at most 256 KiB of JSON).",
        default: "lines",
        choices: ["lines", "whole", "ndjson"],
      },
      encoding: {
        type: "select",
        title: "Encoding",
        description:
          "utf8: text. base64: the bytes as a base64 string, for binary files (with lines, each line's bytes are encoded; not with ndjson).",
        default: "utf8",
        choices: ["utf8", "base64"],
      },
      maxBytes: {
        type: "integer",
        title: "Largest file (bytes)",
        description:
          "A file larger than this is refused (the node fails to start, naming the size); 64 MiB by default.",
        default: 64 * 1024 * 1024,
        min: 1,
        max: 16 * 1024 * 1024 * 1024,
      },
    },
  }),
  builtin({
    type: "file-watch",
    version: "1.0.0",
    capability: "files",
    title: "File watch",
    category: "source",
    description:
      "Follows a file on the worker's disk like `tail -F`: emits each line appended after the node starts as a string on out. It notices the file being truncated or replaced (log rotation) and reads the new file from its start, and waits for a missing file to appear. It reads only as fast as the downstream takes messages, so nothing is lost while it waits. Lines over 200 KiB are cut, with a warning.",
    inputs: [],
    outputs: ["out"],
    params: {
      path: {
        type: "text",
        title: "Path",
        description: "The file to follow, on the disk of the worker that runs the node (an absolute path is safest).",
        default: "",
        required: true,
        maxLength: 4096,
      },
      fromStart: {
        type: "boolean",
        title: "From the start",
        description: "Also emit the lines already in the file when the node starts, instead of only new ones.",
        default: false,
      },
      pollInterval: {
        type: "duration",
        title: "Poll interval",
        description: 'How often the file is checked for new lines, such as "500ms" or "2s" (at least 50ms).',
        default: "500ms",
        min: 50,
        max: 3_600_000,
      },
    },
  }),
  builtin({
    type: "debug",
    version: "1.0.0",
    title: "Debug",
    category: "sink",
    description:
      "Keeps a sample of the messages arriving on in for the editor's debug panel (each as { at, id, value }, value cut to 1,000 characters of JSON), without printing them in the worker's log. Use it to look at what flows through an edge.",
    inputs: ["in"],
    outputs: [],
    params: {
      sample: {
        type: "select",
        title: "Sample",
        description:
          "all: keep every message. every-nth: keep the 1st, then every n-th message after it. per-second: keep at most n messages per second.",
        default: "all",
        choices: ["all", "every-nth", "per-second"],
      },
      n: {
        type: "integer",
        title: "n",
        description:
          "For every-nth, the step (10 keeps 1 message in 10); for per-second, the most messages kept per second.",
        default: 10,
        min: 1,
        max: 1_000_000,
      },
      keep: {
        type: "integer",
        title: "Keep",
        description: "How many of the latest kept messages the debug panel shows (1 to 100).",
        default: 20,
        min: 1,
        max: 100,
      },
      path: {
        type: "text",
        title: "Path",
        description:
          'What to show of each message: empty shows the whole message { id, key, value, headers, ts }; "value" its value; "value.user.name" or "value.items.0" one field inside it (null when the message has no such field).',
        default: "",
        maxLength: 200,
      },
    },
  }),
];
