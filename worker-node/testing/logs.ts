// Test helper: a pino logger whose JSON lines are kept in memory for assertions.
import { createLogger, type Logger } from "../log.ts";

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export function captureLogger(workerId: string): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = createLogger({
    workerId,
    level: "debug",
    stream: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  });
  return { log, lines };
}
