// The `exec` node: passes each message through a program (any language) over NDJSON on its stdin and
// stdout, emitting what it answers; restarts the program when it exits or hangs. onMessage resolves only
// once the program answered, so a message is acknowledged after its answer was emitted (at-least-once).
import { EXEC_MAX_LINE_BYTES } from "../../../shared/builtins/exec.ts";
import type { JsonValue } from "../../../shared/graph.ts";
import { builtinType, formatDuration } from "../../../shared/nodeTypes.ts";
import type { Message } from "../../../shared/protocol.ts";
import type { EmitOptions, NodeContext, NodeImpl, NodeProcess } from "../../../shared/sdk.ts";
import { type Clock, systemClock, type TimerHandle } from "../timing/clock.ts";
import { clip, LogLimit } from "./logLimit.ts";
import { checkCwd, type ExecParams, execParams } from "./params.ts";
import { Program, type ProgramExit, type ProgramHooks } from "./program.ts";
import { parseAnswer, requestLine } from "./protocol.ts";
import { RESTART_POLICY, RestartBackoff, type RestartPolicy } from "./restart.ts";
import { Slots } from "./slots.ts";

export interface ExecNodeOptions {
  clock?: Clock;
  /** A program that exits this soon after it started fails start() (a wrong script path, a syntax error). */
  startWindowMs?: number;
  /** Between SIGTERM and SIGKILL when a program is stopped. */
  killGraceMs?: number;
  restart?: RestartPolicy;
}

export const EXEC_DEFAULTS = { startWindowMs: 200, killGraceMs: 2000 } as const;

/** Log lines per window for stderr, and for stray stdout lines (not answers). */
const STDERR_LOG = { perWindow: 50, windowMs: 10_000 };
const STRAY_LOG = { perWindow: 20, windowMs: 10_000 };
const LOG_LINE_CHARS = 1000;
const ERROR_TEXT_CHARS = 1000;

interface Waiter {
  resolve(program: Program): void;
  reject(error: Error): void;
}

/** The program's lifecycle: one tagged state, so a program is never both running and being restarted. */
type State =
  | { kind: "starting"; program: Program | undefined }
  | { kind: "up"; program: Program; answered: boolean }
  | { kind: "restarting"; timer: TimerHandle | undefined; waiters: Waiter[] }
  | { kind: "stopped" };

/** A line written to the program and not yet answered. */
interface Pending {
  id: string;
  program: Program;
  timer: TimerHandle;
  resolve(values: JsonValue[]): void;
  reject(error: Error): void;
}

/** The exec node with injectable timing (tests pass a hand-driven clock and short windows). */
export function createExecNode(options: ExecNodeOptions = {}): NodeImpl {
  const def = builtinType("exec");
  return { def, create: () => new ExecProcess(options) };
}

export const execNode: NodeImpl = createExecNode();

class ExecProcess implements NodeProcess {
  private readonly clock: Clock;
  private readonly startWindowMs: number;
  private readonly killGraceMs: number;
  private readonly backoff: RestartBackoff;
  private ctx: NodeContext | undefined;
  private params: ExecParams | undefined;
  private state: State = { kind: "starting", program: undefined };
  private readonly pending = new Map<string, Pending>();
  /** Programs told to end (timed out, stopped) that have not exited yet. */
  private readonly retiring = new Set<Program>();
  /** A restart under way (spawning), which stop() waits for. */
  private respawning: Promise<void> | undefined;
  private slots = new Slots(1);
  private readonly stderrLimit = new LogLimit(STDERR_LOG.perWindow, STDERR_LOG.windowMs);
  private readonly strayLimit = new LogLimit(STRAY_LOG.perWindow, STRAY_LOG.windowMs);

  constructor(options: ExecNodeOptions) {
    this.clock = options.clock ?? systemClock;
    this.startWindowMs = options.startWindowMs ?? EXEC_DEFAULTS.startWindowMs;
    this.killGraceMs = options.killGraceMs ?? EXEC_DEFAULTS.killGraceMs;
    this.backoff = new RestartBackoff(options.restart ?? RESTART_POLICY);
  }

  async start(ctx: NodeContext): Promise<void> {
    this.ctx = ctx;
    const params = execParams(ctx.params);
    this.params = params;
    this.slots = new Slots(params.maxInFlight);
    await checkCwd(params.cwd);
    const program = await this.spawn();
    if (this.state.kind !== "starting") {
      // Stopped while spawning.
      this.retire(program);
      return;
    }
    this.state = { kind: "starting", program };
    const early = await this.startWindow(program);
    if (early) {
      throw new Error(
        `exec: ${this.commandText()} exited with ${exitText(early)} right after starting${stderrText(program)}`,
      );
    }
    if (this.state.kind !== "starting") return;
    this.state = { kind: "up", program, answered: false };
    ctx.log.info({ pid: program.pid }, `exec: started ${this.commandText()}`);
  }

  async onMessage(message: Message): Promise<void> {
    const line = requestLine(message);
    const bytes = Buffer.byteLength(line) - 1;
    if (bytes > EXEC_MAX_LINE_BYTES) {
      throw new Error(`exec: message ${message.id} is ${bytes} bytes as a line; the program takes at most 1 MiB`);
    }
    await this.slots.acquire();
    try {
      const program = await this.ready();
      if (this.pending.has(message.id)) throw new Error(`exec: message ${message.id} is already with the program`);
      const values = await this.ask(program, message.id, line);
      this.emitAll(message, values);
    } finally {
      this.slots.release();
    }
  }

  async stop(): Promise<void> {
    const previous = this.state;
    this.state = { kind: "stopped" };
    const stopping = new Set<Program>();
    if (previous.kind === "restarting") {
      this.clock.clearTimeout(previous.timer);
      for (const waiter of previous.waiters)
        waiter.reject(new Error("exec: the node stopped before the program restarted"));
    }
    if ((previous.kind === "up" || previous.kind === "starting") && previous.program) stopping.add(previous.program);
    for (const pending of [...this.pending.values()]) {
      this.settle(pending);
      pending.reject(new Error(`exec: the node stopped before the program answered message ${pending.id}`));
    }
    await this.respawning;
    for (const program of this.retiring) stopping.add(program);
    await Promise.all(
      [...stopping].map(async (program) => {
        const exit = await program.terminate(this.killGraceMs);
        this.ctx?.log.info({ pid: program.pid, code: exit.code, signal: exit.signal }, "exec: stopped the program");
      }),
    );
  }

  // ---- the program ----

  private spawn(): Promise<Program> {
    const params = this.requireParams();
    const hooks: ProgramHooks = {
      line: (program, text) => this.onLine(program, text),
      overflow: (program) => {
        this.restartProgram(program, `the program wrote a line over 1 MiB (an answer may be at most 1 MiB)`);
      },
      stderr: (program, text) => this.onStderr(program, text),
      exit: (program, exit) => this.onExit(program, exit),
    };
    const { command, args, cwd, env } = params;
    return Program.start({ command, args, cwd, env, maxLineBytes: EXEC_MAX_LINE_BYTES }, hooks, this.clock);
  }

  /** The program's exit if it came within the start window, else undefined. */
  private async startWindow(program: Program): Promise<ProgramExit | undefined> {
    if (this.startWindowMs <= 0) return undefined;
    let timer: TimerHandle | undefined;
    const windowOver = new Promise<undefined>((resolve) => {
      timer = this.clock.setTimeout(() => resolve(undefined), this.startWindowMs);
    });
    const exit = await Promise.race([program.ended, windowOver]);
    this.clock.clearTimeout(timer);
    return exit;
  }

  /** The running program; while it is being restarted, the one that comes up (rejects if that fails). */
  private ready(): Promise<Program> {
    const state = this.state;
    switch (state.kind) {
      case "up":
        return Promise.resolve(state.program);
      case "restarting":
        return new Promise((resolve, reject) => state.waiters.push({ resolve, reject }));
      case "starting":
      case "stopped":
        return Promise.reject(new Error("exec: the node is stopping; the message was not handed to the program"));
      default: {
        const never: never = state;
        return Promise.reject(new Error(`exec: unknown state ${String(never)}`));
      }
    }
  }

  private onExit(program: Program, exit: ProgramExit): void {
    this.retiring.delete(program);
    const state = this.state;
    // A program retired on purpose, one exiting during start() (start reports it) or after stop(): no restart.
    if (state.kind !== "up" || state.program !== program) return;
    const uptime = this.clock.now() - program.startedAt;
    const early = !state.answered && uptime < this.startWindowMs ? " right after starting" : "";
    const delay = this.backoff.next(uptime);
    const text = `exec: program exited with ${exitText(exit)}${early}; restarting in ${delay} ms${stderrText(program)}`;
    this.ctx?.log.warn({ pid: program.pid, code: exit.code, signal: exit.signal }, text);
    this.failAll(program, text);
    this.scheduleRestart(delay);
  }

  /** Ends a program that misbehaved (hung, wrote too long a line): what it had fails, and it is restarted. */
  private restartProgram(program: Program, why: string): void {
    const state = this.state;
    if (state.kind !== "up" || state.program !== program) return;
    const delay = this.backoff.next(this.clock.now() - program.startedAt);
    const text = `exec: ${why}; restarting it in ${delay} ms`;
    this.ctx?.log.warn({ pid: program.pid }, text);
    this.failAll(program, text);
    this.retire(program);
    this.scheduleRestart(delay);
  }

  private retire(program: Program): void {
    this.retiring.add(program);
    void program.terminate(this.killGraceMs).then(() => this.retiring.delete(program));
  }

  private scheduleRestart(delay: number): void {
    const waiters = this.state.kind === "restarting" ? this.state.waiters : [];
    const timer = this.clock.setTimeout(() => {
      this.respawning = this.respawn().finally(() => {
        this.respawning = undefined;
      });
    }, delay);
    this.state = { kind: "restarting", timer, waiters };
  }

  private async respawn(): Promise<void> {
    if (this.state.kind !== "restarting") return;
    this.state.timer = undefined;
    let program: Program;
    try {
      program = await this.spawn();
    } catch (error) {
      if (this.state.kind !== "restarting") return;
      const delay = this.backoff.next(0);
      const text = `${(error as Error).message}; restarting in ${delay} ms`;
      this.ctx?.log.warn(text);
      const waiters = this.state.waiters.splice(0);
      for (const waiter of waiters) waiter.reject(new Error(text));
      this.scheduleRestart(delay);
      return;
    }
    const state = this.state;
    if (state.kind !== "restarting") {
      this.retire(program);
      return;
    }
    this.state = { kind: "up", program, answered: false };
    this.ctx?.log.info({ pid: program.pid }, `exec: restarted ${this.commandText()}`);
    for (const waiter of state.waiters) waiter.resolve(program);
  }

  // ---- lines ----

  private ask(program: Program, id: string, line: string): Promise<JsonValue[]> {
    const timeoutMs = this.requireParams().timeoutMs;
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.restartProgram(program, `the program did not answer message ${id} within ${formatDuration(timeoutMs)}`);
      }, timeoutMs);
      this.pending.set(id, { id, program, timer, resolve, reject });
      program.write(line);
    });
  }

  private onLine(program: Program, text: string): void {
    const answer = parseAnswer(text);
    if (answer.kind === "invalid") {
      this.stray(program, `exec: skipped a line from the program that is not an answer (${answer.problem})`, text);
      return;
    }
    const pending = this.pending.get(answer.id);
    if (!pending || pending.program !== program) {
      this.stray(
        program,
        `exec: skipped an answer for unknown message id ${JSON.stringify(clip(answer.id, 128))}`,
        text,
      );
      return;
    }
    if (this.state.kind === "up" && this.state.program === program) this.state.answered = true;
    this.settle(pending);
    switch (answer.kind) {
      case "values":
        pending.resolve(answer.values);
        return;
      case "error":
        pending.reject(new Error(`exec (${this.requireParams().command}): ${clip(answer.error, ERROR_TEXT_CHARS)}`));
        return;
      case "malformed":
        pending.reject(new Error(`exec: the program's answer to message ${answer.id} is not valid: ${answer.problem}`));
        return;
      default: {
        const never: never = answer;
        pending.reject(new Error(`exec: unknown answer ${String(never)}`));
      }
    }
  }

  private onStderr(program: Program, text: string): void {
    const admission = this.stderrLimit.admit(this.clock.now());
    if (!admission.log) return;
    const log = this.ctx?.log;
    if (admission.suppressed > 0) {
      log?.warn(
        `exec: ${admission.suppressed} stderr line(s) were not logged (more than ${STDERR_LOG.perWindow} in ${STDERR_LOG.windowMs / 1000} s)`,
      );
    }
    log?.warn({ pid: program.pid, stream: "stderr" }, `exec stderr: ${clip(text, LOG_LINE_CHARS)}`);
  }

  /** Logs (rate-limited) a stdout line that is not an answer to a message in flight. */
  private stray(program: Program, what: string, text: string): void {
    const admission = this.strayLimit.admit(this.clock.now());
    if (!admission.log) return;
    const log = this.ctx?.log;
    if (admission.suppressed > 0) log?.warn(`exec: ${admission.suppressed} more skipped line(s) were not logged`);
    log?.warn({ pid: program.pid }, `${what}: ${clip(text, LOG_LINE_CHARS)}`);
  }

  private settle(pending: Pending): void {
    this.clock.clearTimeout(pending.timer);
    this.pending.delete(pending.id);
  }

  private failAll(program: Program, text: string): void {
    for (const pending of [...this.pending.values()]) {
      if (pending.program !== program) continue;
      this.settle(pending);
      pending.reject(new Error(text));
    }
  }

  private emitAll(message: Message, values: JsonValue[]): void {
    const ctx = this.ctx;
    if (!ctx) return;
    let options: EmitOptions | undefined;
    if (message.key !== undefined) options = { key: message.key };
    if (message.headers !== undefined) options = { ...options, headers: message.headers };
    values.forEach((value, i) => {
      if (!ctx.emit("out", value, options)) {
        throw new Error(
          `exec: the worker refused output ${i + 1} of ${values.length} for message ${message.id} (too large, the publish buffer full, or the process stopping)`,
        );
      }
    });
  }

  private requireParams(): ExecParams {
    if (!this.params) throw new Error("exec: the node has not started");
    return this.params;
  }

  private commandText(): string {
    const { command, args } = this.requireParams();
    return `"${clip([command, ...args].join(" "), 200)}"`;
  }
}

function exitText(exit: ProgramExit): string {
  return `code ${exit.code ?? "none"} (signal ${exit.signal ?? "none"})`;
}

function stderrText(program: Program): string {
  return program.lastStderr ? `; its last stderr line: ${clip(program.lastStderr, 300)}` : "";
}
