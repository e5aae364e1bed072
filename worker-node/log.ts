// The worker's pino logger: JSON lines on stdout, every line carrying the worker id.
import { type DestinationStream, type Level, type Logger, pino } from "pino";

export type { Logger };

const LEVELS: readonly string[] = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

export interface LoggerOptions {
  workerId: string;
  /** Defaults to $WEFT_LOG_LEVEL, else "info". */
  level?: string;
  /** Defaults to stdout; tests pass a capturing stream. */
  stream?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const wanted = options.level ?? process.env.WEFT_LOG_LEVEL ?? "info";
  const level = (LEVELS.includes(wanted) ? wanted : "info") as Level | "silent";
  const config = { level, base: { workerId: options.workerId } };
  return options.stream ? pino(config, options.stream) : pino(config);
}

/** A logger that writes nothing, for tests. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
