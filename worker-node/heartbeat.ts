// Builds the heartbeat frame, trimming it to the frame size limit (FRAME-1) when reports are large.
import { exceedsFrameLimit, type ProcessReport, type WorkerFrameOf } from "../shared/protocol.ts";

export interface HeartbeatText {
  text: string;
  /** What had to go to fit: nothing, the `recent` lists, or trailing process reports. */
  trimmed: "none" | "recent" | "processes";
}

export function heartbeatText(load: number, processes: ProcessReport[]): HeartbeatText {
  const frame = (list: ProcessReport[]): string =>
    JSON.stringify({ type: "heartbeat", load, processes: list } satisfies WorkerFrameOf<"heartbeat">);
  const full = frame(processes);
  if (!exceedsFrameLimit(full)) return { text: full, trimmed: "none" };
  const bare = processes.map(({ recent: _recent, ...rest }) => rest);
  const withoutRecent = frame(bare);
  if (!exceedsFrameLimit(withoutRecent)) return { text: withoutRecent, trimmed: "recent" };
  let count = bare.length;
  let text = withoutRecent;
  while (count > 0 && exceedsFrameLimit(text)) {
    count = Math.floor(count * 0.9);
    text = frame(bare.slice(0, count));
  }
  return { text, trimmed: "processes" };
}
