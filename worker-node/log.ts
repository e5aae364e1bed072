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

const LEVEL_NAMES: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO ",
  40: "WARN ",
  50: "ERROR",
  60: "FATAL",
};
const HIDDEN = new Set(["level", "time", "msg", "pid", "hostname", "workerId", "graphId", "nodeId"]);

/** Turns pino's JSON lines into `12:00:01 INFO  [demo/log] message key=value` lines. */
export function prettyStream(out: { write(text: string): unknown }): DestinationStream {
  return {
    write(line: string) {
      out.write(`${prettyLine(line)}\n`);
    },
  };
}

export function prettyLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.trimEnd();
  }
  const time = new Date(typeof entry.time === "number" ? entry.time : Date.now()).toISOString().slice(11, 19);
  const level = LEVEL_NAMES[entry.level as number] ?? "INFO ";
  const where = [entry.graphId, entry.nodeId].filter((x) => typeof x === "string").join("/");
  const extra = Object.entries(entry)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  return [time, level, where ? `[${where}]` : "", String(entry.msg ?? ""), ...extra].filter(Boolean).join(" ");
}

/** A logger that writes nothing, for tests. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
