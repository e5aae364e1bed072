// One worker thread running transform code (threadSource.ts) with a heap limit: the frames it exchanges
// with the parent, and how a message ends in it. It is used until it dies or is terminated, never restarted.
import { Worker } from "node:worker_threads";
import { formatDuration } from "../../../shared/nodeTypes.ts";
import { SANDBOX_CONTEXT_SOURCE } from "./contextSource.ts";
import { SANDBOX_THREAD_SOURCE } from "./threadSource.ts";

export type SandboxLogLevel = "debug" | "info" | "warn" | "error";

/** What the code sees as `msg`: exactly these fields (key and headers only when the message has them). */
export interface SandboxMessage {
  id: string;
  key?: string;
  value: unknown;
  headers?: Record<string, string>;
  ts: number;
}

export interface SandboxOptions {
  code: string;
  timeoutMs: number;
  memoryMb: number;
  graphId: string;
  nodeId: string;
  /** A line the code logged, with the id of the message it was running. */
  onLog(level: SandboxLogLevel, text: string, messageId: string | undefined): void;
  /** Something that went wrong outside any message (a thread died while idle, a restart failed). */
  onProblem(text: string): void;
}

/** The code does not compile; the message names the line and column. */
export class TransformCodeError extends Error {
  override readonly name = "TransformCodeError";
}

/** Longest a thread may take to start and compile the code. */
export const THREAD_START_TIMEOUT_MS = 10_000;

/** Limits the thread applies (ThreadData.limits). */
export const SANDBOX_LIMITS = {
  /** Log lines one message may write; the rest are dropped with one notice. */
  logLines: 100,
  /** Characters of one log line. */
  logChars: 2000,
  /** Characters of an error message. */
  errorChars: 1000,
  /** Characters of the JSON of one result (all its messages). */
  resultChars: 16 * 1024 * 1024,
  /** Nesting of arrays and objects in a result. */
  depth: 256,
} as const;

/** The thread's workerData (see threadSource.ts). */
interface ThreadData {
  code: string;
  contextSource: string;
  graphId: string;
  nodeId: string;
  limits: typeof SANDBOX_LIMITS;
}

/** Frames the thread sends (see threadSource.ts). */
type ThreadFrame =
  | { type: "ready" }
  | { type: "compile-error"; error: string }
  | { type: "log"; seq: number; level: SandboxLogLevel; text: string }
  | { type: "result"; seq: number; ok: true; result: unknown }
  | { type: "result"; seq: number; ok: false; error: string };

/** How one message ended in a thread. */
export type Outcome =
  /** The code returned; `result` is plain JSON. */
  | { kind: "result"; result: unknown }
  /** The code threw or returned something that is not JSON; the thread is fine. */
  | { kind: "failed"; error: string }
  /** No answer within the timeout (an endless loop, a promise that never settles): the thread must go. */
  | { kind: "hung" }
  /** The thread is gone (out of memory, crashed). */
  | { kind: "died"; error: string }
  /** The sandbox was closed while the message ran. */
  | { kind: "stopped" };

interface Pending {
  seq: number;
  messageId: string;
  resolve(outcome: Outcome): void;
  timer: NodeJS.Timeout;
}

/** The old-generation limit is memoryMb; the young generation (short-lived objects) gets an eighth on top. */
function youngGenerationMb(memoryMb: number): number {
  return Math.min(16, Math.max(2, Math.floor(memoryMb / 8)));
}

/** One worker thread running the code. */
export class SandboxThread {
  /** Resolves once the code compiled; rejects with TransformCodeError or why the thread did not start. */
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private starting: { resolve(): void; reject(error: Error): void; timer: NodeJS.Timeout } | undefined;
  private pending: Pending | undefined;
  private crash: Error | undefined;
  private terminating = false;
  private exited = false;

  constructor(private readonly opts: SandboxOptions) {
    const workerData: ThreadData = {
      code: opts.code,
      contextSource: SANDBOX_CONTEXT_SOURCE,
      graphId: opts.graphId,
      nodeId: opts.nodeId,
      limits: SANDBOX_LIMITS,
    };
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.starting = undefined;
        reject(new Error(`transform sandbox did not start within ${formatDuration(THREAD_START_TIMEOUT_MS)}`));
        void this.terminate();
      }, THREAD_START_TIMEOUT_MS);
      this.starting = { resolve, reject, timer };
    });
    this.worker = new Worker(SANDBOX_THREAD_SOURCE, {
      eval: true,
      name: `weft transform ${opts.nodeId}`,
      workerData,
      resourceLimits: {
        maxOldGenerationSizeMb: opts.memoryMb,
        maxYoungGenerationSizeMb: youngGenerationMb(opts.memoryMb),
      },
      execArgv: [],
      env: {},
      stdin: false,
    });
    // The thread never keeps the worker process alive; a pending start or run holds a (referenced) timer.
    this.worker.unref();
    this.worker.on("message", (frame: ThreadFrame) => this.onFrame(frame));
    this.worker.on("error", (error) => {
      this.crash = error;
    });
    this.worker.on("exit", (code) => this.onExit(code));
  }

  get alive(): boolean {
    return !this.exited && !this.terminating;
  }

  /** Runs one message; never rejects. */
  run(seq: number, message: SandboxMessage): Promise<Outcome> {
    if (!this.alive) return Promise.resolve({ kind: "died", error: "transform sandbox is gone" });
    return new Promise<Outcome>((resolve) => {
      const timer = setTimeout(() => this.finish(seq, { kind: "hung" }), this.opts.timeoutMs);
      this.pending = { seq, messageId: message.id, resolve, timer };
      this.worker.postMessage({ type: "run", seq, input: JSON.stringify({ seq, msg: message }) });
    });
  }

  async terminate(): Promise<void> {
    this.terminating = true;
    if (this.pending) this.finish(this.pending.seq, { kind: "stopped" });
    await this.worker.terminate();
  }

  private onFrame(frame: ThreadFrame): void {
    switch (frame.type) {
      case "ready":
        this.started();
        return;
      case "compile-error":
        this.started(new TransformCodeError(frame.error));
        void this.terminate();
        return;
      case "log": {
        const messageId = this.pending?.seq === frame.seq ? this.pending.messageId : undefined;
        this.opts.onLog(frame.level, frame.text, messageId);
        return;
      }
      case "result":
        this.finish(
          frame.seq,
          frame.ok ? { kind: "result", result: frame.result } : { kind: "failed", error: frame.error },
        );
        return;
      default: {
        const unknown: never = frame;
        this.opts.onProblem(`transform sandbox sent an unknown frame ${JSON.stringify(unknown).slice(0, 200)}`);
      }
    }
  }

  private onExit(code: number): void {
    this.exited = true;
    const death = this.deathText(code);
    if (this.starting) {
      this.started(new Error(death));
      return;
    }
    if (this.pending) this.finish(this.pending.seq, { kind: "died", error: death });
    else if (!this.terminating) this.opts.onProblem(`${death}; a fresh sandbox runs the next message`);
  }

  private deathText(code: number): string {
    const crash = this.crash as (Error & { code?: unknown }) | undefined;
    if (crash?.code === "ERR_WORKER_OUT_OF_MEMORY")
      return `transform ran out of memory (limit ${this.opts.memoryMb} MB)`;
    if (crash) return `transform sandbox crashed: ${crash.message}`;
    if (this.terminating) return "transform sandbox was stopped";
    return `transform sandbox exited with code ${code}`;
  }

  private started(error?: Error): void {
    const starting = this.starting;
    if (!starting) return;
    this.starting = undefined;
    clearTimeout(starting.timer);
    if (error) starting.reject(error);
    else starting.resolve();
  }

  private finish(seq: number, outcome: Outcome): void {
    const pending = this.pending;
    if (!pending || pending.seq !== seq) return;
    this.pending = undefined;
    clearTimeout(pending.timer);
    pending.resolve(outcome);
  }
}
