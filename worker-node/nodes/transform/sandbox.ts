// Runs transform code in a sandbox thread, one message at a time: a thread that does not answer in time, runs
// out of memory or crashes is terminated and a fresh one takes the next message.
import { formatDuration } from "../../../shared/nodeTypes.ts";
import { type SandboxMessage, type SandboxOptions, SandboxThread } from "./thread.ts";

/** A transform's sandbox: one live thread at a time, replaced after a timeout or a crash. */
export class Sandbox {
  private thread: SandboxThread | undefined;
  private seq = 0;
  private closed = false;

  private constructor(private readonly opts: SandboxOptions) {}

  /** Starts the first thread; rejects with TransformCodeError when the code does not compile. */
  static async open(opts: SandboxOptions): Promise<Sandbox> {
    const sandbox = new Sandbox(opts);
    const thread = new SandboxThread(opts);
    try {
      await thread.ready;
    } catch (error) {
      await thread.terminate();
      throw error;
    }
    sandbox.thread = thread;
    return sandbox;
  }

  /**
   * Runs the code on one message (callers run one at a time) and resolves with what it returned, as plain
   * JSON; rejects with an Error saying why the message failed.
   */
  async run(message: SandboxMessage): Promise<unknown> {
    if (this.closed) throw new Error("transform is stopped");
    const thread = await this.liveThread();
    this.seq += 1;
    const outcome = await thread.run(this.seq, message);
    const timeout = formatDuration(this.opts.timeoutMs);
    switch (outcome.kind) {
      case "result":
        return outcome.result;
      case "failed":
        throw new Error(outcome.error);
      case "hung":
        await this.replace(thread);
        throw new Error(`transform timed out after ${timeout} (the sandbox was restarted)`);
      case "died":
        await this.replace(thread);
        throw new Error(`${outcome.error}; the sandbox was restarted`);
      case "stopped":
        throw new Error("transform was stopped while the message ran");
      default: {
        const unknown: never = outcome;
        throw new Error(`transform: unknown outcome ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** Terminates the thread; a message running fails with "stopped". */
  async close(): Promise<void> {
    this.closed = true;
    const thread = this.thread;
    this.thread = undefined;
    await thread?.terminate();
  }

  private async liveThread(): Promise<SandboxThread> {
    let thread = this.thread;
    if (!thread?.alive) {
      thread = this.spawn();
      this.thread = thread;
    }
    try {
      await thread.ready;
    } catch (error) {
      if (this.thread === thread) this.thread = undefined;
      await thread.terminate();
      throw new Error(`transform sandbox could not start: ${(error as Error).message}`);
    }
    return thread;
  }

  /** Kills `thread` and starts its successor at once, so the next message does not wait for it. */
  private async replace(thread: SandboxThread): Promise<void> {
    await thread.terminate();
    if (this.closed || (this.thread !== thread && this.thread !== undefined)) return;
    this.thread = this.spawn();
  }

  private spawn(): SandboxThread {
    const thread = new SandboxThread(this.opts);
    // A failed start is reported to the message that waits for it (liveThread); here it is only logged.
    thread.ready.catch((error: Error) => {
      if (!this.closed) this.opts.onProblem(`transform sandbox could not restart: ${error.message}`);
    });
    return thread;
  }
}
