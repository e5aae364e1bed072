// The worker's pino logger: every line carries the worker id; JSON lines, or readable lines on a terminal.
import { type DestinationStream, type Level, type Logger, pino } from "pino";

export type { Logger };

const LEVELS: readonly string[] = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

export interface LoggerOptions {
  workerId: string;
  /** Defaults to $WEFT_LOG_LEVEL, else "info". */
  level?: string;
  /** Defaults to stdout; tests pass a capturing stream. */
  stream?: DestinationStream;
  /** "json" or "pretty"; defaults to $WEFT_LOG_FORMAT, else pretty on a terminal and JSON otherwise. */
  format?: string;
}

export function createLogger(options: LoggerOptions): Logger {
  const wanted = options.level ?? process.env.WEFT_LOG_LEVEL ?? "info";
  const level = (LEVELS.includes(wanted) ? wanted : "info") as Level | "silent";
  const config = { level, base: { workerId: options.workerId } };
  if (options.stream) return pino(config, options.stream);
  const format = options.format ?? process.env.WEFT_LOG_FORMAT ?? (process.stdout.isTTY ? "pretty" : "json");
  return format === "pretty" ? pino(config, prettyStream(process.stdout)) : pino(config);
}

/**
 * Characters that must not reach a terminal raw: C0 controls (newline and tab included, since a log
 * entry is one line), DEL, C1 controls, the line/paragraph separators U+2028/U+2029 and the bidi
 * embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which reorder what a reader sees.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** The short escapes JSON.stringify uses, so a string reads the same alone as inside a JSON value. */
const SHORT: Record<string, string> = { "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r" };

function escapeChar(char: string): string {
  return SHORT[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * Makes data safe to print on one terminal line, with JSON's escapes: a backslash becomes `\\`;
 * newline, CR, tab, backspace and form feed become `\n`, `\r`, `\t`, `\b`, `\f`; every other UNSAFE
 * character becomes `\uXXXX` (ESC is `\u001b`, U+2028 is `\u2028`). Backslashes are doubled first,
 * so every backslash in the result starts an escape: `\n` was a newline, `\\n` was a backslash and an n.
 */
export function escapeControl(text: string): string {
  return text.replaceAll("\\", "\\\\").replace(UNSAFE, escapeChar);
}

/**
 * A value as JSON, safe for a terminal: JSON.stringify already escapes backslashes, quotes and C0, so
 * only the rest of UNSAFE (DEL, C1, U+2028/U+2029, bidi) is left, escaped as `\uXXXX`: still valid JSON.
 */
function jsonText(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE, escapeChar);
}

const LEVEL_NAMES: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO ",
  40: "WARN ",
  50: "ERROR",
  60: "FATAL",
};
const HIDDEN = new Set(["level", "time", "msg", "pid", "hostname", "workerId", "graphId", "nodeId"]);

/**
 * Turns pino's JSON lines into `12:00:01 INFO  [demo/log] message key=value` lines. Everything taken
 * from the entry (msg, graph/node, keys, values) goes through escapeControl or jsonText, so data can
 * neither send terminal escape sequences nor start a new line.
 */
export function prettyStream(out: { write(text: string): unknown }): DestinationStream {
  return {
    write(line: string) {
      out.write(`${prettyLine(line)}\n`);
    },
  };
}

export function prettyLine(line: string): string {
  const entry = parseEntry(line);
  if (!entry) return escapeControl(line.trimEnd());
  const time = new Date(typeof entry.time === "number" ? entry.time : Date.now()).toISOString().slice(11, 19);
  const level = LEVEL_NAMES[entry.level as number] ?? "INFO ";
  const where = [entry.graphId, entry.nodeId].filter((x) => typeof x === "string").join("/");
  const extra = Object.entries(entry)
    .filter(([key]) => !HIDDEN.has(key))
    .map(
      ([key, value]) => `${escapeControl(key)}=${typeof value === "string" ? escapeControl(value) : jsonText(value)}`,
    );
  const msg = escapeControl(String(entry.msg ?? ""));
  return [time, level, where ? `[${escapeControl(where)}]` : "", msg, ...extra].filter(Boolean).join(" ");
}

function parseEntry(line: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A logger that writes nothing, for tests. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
