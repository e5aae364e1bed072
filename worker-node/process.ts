// One node process on this worker: its lifecycle, counters and guarded calls into the node implementation.
import type { JsonValue } from "../shared/graph.ts";
import { LIMITS, TIMING } from "../shared/limits.ts";
import type { ParamValue } from "../shared/nodeTypes.ts";
import type { Delivery, ProcessReport } from "../shared/protocol.ts";
import type { EmitOptions, NodeContext, NodeProcess } from "../shared/sdk.ts";
import type { Logger } from "./log.ts";

export type ProcessState = ProcessReport["state"] | "starting";

const MAX_ERROR_CHARS = LIMITS.maxErrorChars;

/** How one delivery went: handled, failed (it is nacked with the error), or not handed over (not running). */
export type DeliveryOutcome = "done" | "skipped" | { error: string };

export interface ProcessSpec {
  graphId: string;
  nodeId: string;
  epoch: number;
  nodeType: string;
  /** Child logger with graphId and nodeId. */
  log: Logger;
}

export interface RunnableSpec extends ProcessSpec {
  /** Creates the node's process object (NodeImpl.create); an exception crashes the process. */
  create(): NodeProcess;
  params: Record<string, ParamValue>;
  /** Values of the process's secret params: scrubbed from every error, status entry and log line it makes. */
  secrets?: readonly string[];
  /** Hands an emitted value to the publisher; returns an error text when refused. */
  publish(port: string, value: JsonValue, options?: EmitOptions): string | undefined;
  /** Whether an output port may emit now (the room's credit, DELIVERY-7). */
  credit(port: string): boolean;
  /** Resolves once an output port has credit. */
  waitForCredit(port: string): Promise<void>;
}

export type StateListener = (process: NodeRunner) => void;

export class NodeRunner {
  readonly graphId: string;
  readonly nodeId: string;
  readonly epoch: number;
  readonly nodeType: string;
  readonly log: Logger;
  state: ProcessState;
  in = 0;
  out = 0;
  errors = 0;
  lastError: string | null = null;
  private impl: NodeProcess | undefined;
  private secrets: readonly string[] = [];
  private readonly abort = new AbortController();
  /** Start, then every delivery, in order. */
  private chain: Promise<unknown> = Promise.resolve();
  /** onMessage calls under way: their emits still count after halt() (the message in hand finishes). */
  private inHand = 0;
  /** halt() found the process running, so finish() owes it a call to stop(). */
  private owesStop = false;
  private stopCalled = false;

  private constructor(
    spec: ProcessSpec,
    runnable: boolean,
    private readonly onState: StateListener,
  ) {
    this.graphId = spec.graphId;
    this.nodeId = spec.nodeId;
    this.epoch = spec.epoch;
    this.nodeType = spec.nodeType;
    this.log = spec.log;
    this.state = runnable ? "starting" : "blocked";
  }

  /** A process that cannot run (unknown type, invalid params); it reports `blocked` with the reason. */
  static blocked(spec: ProcessSpec, reason: string, onState: StateListener): NodeRunner {
    const runner = new NodeRunner(spec, false, onState);
    runner.lastError = truncate(reason);
    return runner;
  }

  /** Starts the process once `after` settles (the previous epoch's stop), reporting running or crashed. */
  static start(spec: RunnableSpec, onState: StateListener, after: Promise<unknown> = Promise.resolve()): NodeRunner {
    const runner = new NodeRunner(spec, true, onState);
    runner.secrets = spec.secrets ?? [];
    const ctx = runner.context(spec);
    runner.chain = after.then(() => runner.runStart(spec, ctx));
    return runner;
  }

  /** True once halt() or stop() was called (the process may still be finishing its stop()). */
  get stopped(): boolean {
    return this.state === "stopped";
  }

  /** Resolves once start and every delivery handed over so far have run (the message in hand included). */
  idle(): Promise<void> {
    return this.chain.then(
      () => undefined,
      () => undefined,
    );
  }

  /** Runs `task` after start and every earlier task; it does not run if the process is not running by then. */
  enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.chain
      .then(() => (this.state === "running" ? task() : undefined))
      .catch((error: unknown) => this.fail(error));
    this.chain = next;
    return next;
  }

  /**
   * Calls onMessage for one delivery. An exception counts as an error and fails the delivery (it is
   * nacked, so it goes again or to dead letter, DELIVERY-6); it never crashes the process.
   */
  async deliver(message: Delivery, port: string): Promise<DeliveryOutcome> {
    if (this.state !== "running" || !this.impl) return "skipped";
    this.in += 1;
    if (!this.impl.onMessage) {
      this.fail(new Error(`node type ${this.nodeType} has no inputs; a message on port "${port}" was ignored`));
      return "done";
    }
    const { d: _d, attempt: _attempt, ...plain } = message;
    this.inHand += 1;
    try {
      await this.impl.onMessage(plain, port);
      return "done";
    } catch (error) {
      this.fail(error);
      return { error: this.lastError ?? "onMessage failed" };
    } finally {
      this.inHand -= 1;
    }
  }

  /**
   * Makes what onMessage did durable (NodeProcess.flush) before a batch is acknowledged; returns the error
   * text when that failed (the batch is then nacked), or undefined.
   */
  async flush(): Promise<string | undefined> {
    if (!this.impl?.flush) return undefined;
    try {
      await this.impl.flush();
      return undefined;
    } catch (error) {
      this.fail(error);
      return this.lastError ?? "flush failed";
    }
  }

  /**
   * First half of a stop: state `stopped`, the signal aborts, no further delivery is handed over and
   * emits are refused — except those of a message already in hand, which finishes (SCHED-6). Reports nothing.
   */
  halt(): void {
    if (this.stopped) return;
    // A process still starting is stopped by runStart once its start() returns.
    this.owesStop = this.state === "running";
    this.state = "stopped";
    this.abort.abort();
  }

  /** Second half: calls the implementation's stop() once (bounded by TIMING.nodeStopMs). */
  async finish(): Promise<void> {
    if (!this.owesStop) return;
    this.owesStop = false;
    await this.callStop();
  }

  /** halt() then finish(), without waiting for a message in hand (shutdown, or a process the room moved away). */
  async stop(): Promise<void> {
    this.halt();
    await this.finish();
  }

  /** Counts an error and keeps its text as lastError. */
  fail(error: unknown): void {
    const message = this.scrub(error instanceof Error ? error.message : String(error));
    this.countErrors(1, message);
    this.log.debug({ error: message }, "process error");
  }

  countErrors(count: number, message: string): void {
    this.errors += count;
    this.lastError = truncate(this.scrub(message));
  }

  /** `text` with this process's secret values replaced (SECRET-2: they go nowhere but the process). */
  private scrub(text: string): string {
    return scrubSecrets(text, this.secrets);
  }

  report(): ProcessReport {
    const report: ProcessReport = {
      nodeId: this.nodeId,
      epoch: this.epoch,
      state: this.state === "starting" ? "running" : this.state,
      in: this.in,
      out: this.out,
      errors: this.errors,
      lastError: this.lastError,
    };
    try {
      const recent = this.impl?.recent?.();
      if (recent)
        report.recent =
          this.secrets.length > 0 ? recent.slice(-100).map((v) => this.scrubValue(v)) : recent.slice(-100);
    } catch (error) {
      this.fail(error);
    }
    return report;
  }

  private scrubValue(value: JsonValue): JsonValue {
    const json = JSON.stringify(value);
    const clean = this.scrub(json);
    if (clean === json) return value;
    try {
      return JSON.parse(clean) as JsonValue;
    } catch {
      return clean;
    }
  }

  private context(spec: RunnableSpec): NodeContext {
    return {
      graphId: spec.graphId,
      nodeId: spec.nodeId,
      params: spec.params,
      log: spec.log,
      signal: this.abort.signal,
      emit: (port, value, options) => {
        if (this.abort.signal.aborted && this.inHand === 0) return false;
        const refused = spec.publish(port, value, options);
        if (refused === undefined) return true;
        this.fail(new Error(refused));
        return false;
      },
      credit: (port) => !this.abort.signal.aborted && spec.credit(port),
      waitForCredit: (port) => {
        if (this.abort.signal.aborted) return Promise.resolve();
        const aborted = new Promise<void>((resolve) =>
          this.abort.signal.addEventListener("abort", () => resolve(), { once: true }),
        );
        return Promise.race([spec.waitForCredit(port), aborted]);
      },
    };
  }

  private async runStart(spec: RunnableSpec, ctx: NodeContext): Promise<void> {
    if (this.stopped) return;
    try {
      this.impl = spec.create();
      await this.impl.start(ctx);
    } catch (error) {
      this.fail(error);
      if (this.stopped) {
        await this.callStop();
        return;
      }
      this.state = "crashed";
      this.abort.abort();
      this.log.error(`process crashed on start: ${this.lastError}`);
      this.onState(this);
      await this.callStop();
      return;
    }
    if (this.stopped) {
      await this.callStop();
      return;
    }
    this.state = "running";
    this.onState(this);
  }

  /** The implementation's stop() (at most once), bounded by TIMING.nodeStopMs; an exception counts as an error. */
  private async callStop(): Promise<void> {
    if (!this.impl?.stop || this.stopCalled) return;
    this.stopCalled = true;
    let timer: NodeJS.Timeout | undefined;
    // A node holding messages (batch, delay) emits them from stop(): those emits count, like a message in hand.
    this.inHand += 1;
    try {
      await Promise.race([
        this.impl.stop(),
        new Promise((resolve) => {
          timer = setTimeout(resolve, TIMING.nodeStopMs);
        }),
      ]);
    } catch (error) {
      this.fail(error);
    } finally {
      this.inHand -= 1;
      clearTimeout(timer);
    }
  }
}

function truncate(text: string): string {
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 1)}…` : text;
}

/**
 * Replaces every occurrence of a secret value (as it is, and as it reads inside a JSON string) in `text`.
 * Values shorter than 4 characters are left alone (they would blank out ordinary text).
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) out = out.split(form).join("[secret]");
  }
  return out;
}
