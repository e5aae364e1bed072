// Test helper: a link that records worker frames, each validated with the room's own parser.
import { parseWorkerFrame, type WorkerFrame, type WorkerFrameOf } from "../../shared/protocol.ts";

export class RecordingLink {
  readonly frames: WorkerFrame[] = [];

  send(text: string): void {
    const parsed = parseWorkerFrame(text);
    if (!parsed.ok) throw new Error(`the worker sent an invalid frame: ${parsed.message}`);
    this.frames.push(parsed.frame);
  }

  of<T extends WorkerFrame["type"]>(type: T): Array<WorkerFrameOf<T>> {
    return this.frames.filter((frame): frame is WorkerFrameOf<T> => frame.type === type);
  }
}
