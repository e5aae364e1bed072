// Follows one file like `tail -F`: each poll reads what was appended, noticing truncation and replacement.
import type { FileHandle } from "node:fs/promises";
import { open, stat } from "node:fs/promises";
import { MAX_LINE_BYTES } from "../../../shared/builtins/io.ts";
import type { NodeLogger } from "../../../shared/sdk.ts";
import { type Line, LineSplitter } from "./lines.ts";

const CHUNK_BYTES = 64 * 1024;

export interface TailSink {
  log: NodeLogger;
  /** Resolves true once a line may be emitted, false when the process is stopping (the poll then ends). */
  credit(): Promise<boolean>;
  emit(line: string): void;
}

interface Opened {
  handle: FileHandle;
  dev: number;
  ino: number;
}

export class FileTail {
  private file: Opened | undefined;
  /** Offset of the next byte to read in the open file. */
  private position = 0;
  private readonly splitter = new LineSplitter(MAX_LINE_BYTES);
  private readonly buffer = Buffer.alloc(CHUNK_BYTES);
  private waitingLogged = false;
  private prepared = false;

  constructor(
    readonly path: string,
    private readonly fromStart: boolean,
    private readonly sink: TailSink,
  ) {}

  /**
   * Opens the file as the node starts: lines after its current end are new (all of them with fromStart). A
   * file that does not exist yet is waited for; once it appears, it is read from its start.
   */
  async prepare(): Promise<void> {
    this.prepared = true;
    const current = await statOrMissing(this.path);
    if (!current) {
      this.logWaiting();
      return;
    }
    await this.openFile(this.fromStart ? 0 : undefined);
  }

  /** Reads and emits every complete line appended since the last poll; resolves when caught up or stopping. */
  async poll(): Promise<void> {
    if (!this.prepared) await this.prepare();
    const current = await statOrMissing(this.path);
    if (this.file) {
      if (!current || current.ino !== this.file.ino || current.dev !== this.file.dev) {
        // Rotated or removed: finish the old file (its last line may lack a break), then follow the name.
        if (!(await this.drain())) return;
        const last = this.splitter.end();
        if (last && !(await this.send(last))) return;
        await this.close();
        this.sink.log.info(
          { path: this.path },
          current
            ? `file-watch: ${this.path} was replaced; reading the new file from its start`
            : `file-watch: ${this.path} was removed; waiting for it to appear again`,
        );
        this.waitingLogged = !current;
      } else if (current.size < this.position) {
        this.sink.log.info(
          { path: this.path, size: current.size, position: this.position },
          `file-watch: ${this.path} was truncated; reading it again from its start`,
        );
        this.position = 0;
        this.splitter.reset();
      }
    }
    if (!this.file) {
      if (!current) {
        this.logWaiting();
        return;
      }
      await this.openFile(0);
    }
    await this.drain();
  }

  async close(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    this.splitter.reset();
    await file?.handle.close();
  }

  private logWaiting(): void {
    if (this.waitingLogged) return;
    this.waitingLogged = true;
    this.sink.log.info({ path: this.path }, `file-watch: ${this.path} does not exist yet; waiting for it to appear`);
  }

  /** Opens the file at `position` (undefined: its end). A file that vanished in between is left for the next poll. */
  private async openFile(position: number | undefined): Promise<void> {
    let handle: FileHandle;
    try {
      handle = await open(this.path, "r");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return this.logWaiting();
      throw error;
    }
    const info = await handle.stat();
    this.file = { handle, dev: info.dev, ino: info.ino };
    this.position = position ?? info.size;
    this.waitingLogged = false;
  }

  /** Reads from the position to the end of the open file, emitting lines; false when stopping. */
  private async drain(): Promise<boolean> {
    const file = this.file;
    if (!file) return true;
    for (;;) {
      const { bytesRead } = await file.handle.read(this.buffer, 0, CHUNK_BYTES, this.position);
      if (bytesRead === 0) return true;
      this.position += bytesRead;
      for (const line of this.splitter.push(this.buffer.subarray(0, bytesRead))) {
        if (!(await this.send(line))) return false;
      }
    }
  }

  private async send(line: Line): Promise<boolean> {
    if (!(await this.sink.credit())) return false;
    if (line.cut) {
      this.sink.log.warn(
        { path: this.path },
        `file-watch: a line of ${this.path} is longer than ${MAX_LINE_BYTES} bytes; emitted cut to fit one message`,
      );
    }
    this.sink.emit(line.bytes.toString("utf8"));
    return true;
  }
}

async function statOrMissing(path: string): Promise<{ dev: number; ino: number; size: number } | undefined> {
  try {
    const info = await stat(path);
    return { dev: info.dev, ino: info.ino, size: info.size };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
