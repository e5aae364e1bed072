// One running child program of an exec node: spawned in its own process group, its stdout split into lines,
// its stderr into log lines; terminate() closes stdin, sends SIGTERM, then SIGKILL after a grace period.
// Every program still running when the worker exits is killed, so none outlives it.
import { type ChildProcess, spawn } from "node:child_process";
import type { Clock } from "../timing/clock.ts";
import { LineSplitter } from "./lines.ts";

export interface ProgramSpec {
  command: string;
  args: readonly string[];
  /** Working directory; undefined: the worker's. */
  cwd: string | undefined;
  /** Added to the worker's environment. */
  env: Readonly<Record<string, string>>;
  /** Longest stdout line, in bytes. */
  maxLineBytes: number;
}

export interface ProgramExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ProgramHooks {
  /** One complete stdout line. */
  line(program: Program, text: string): void;
  /** A stdout line grew past maxLineBytes (its bytes are dropped). */
  overflow(program: Program): void;
  /** One stderr line. */
  stderr(program: Program, text: string): void;
  /** The program ended and its output was read to the end; called once. */
  exit(program: Program, exit: ProgramExit): void;
}

/** Longest stderr line kept whole; a longer one is cut (stderr is only logged). */
const MAX_STDERR_LINE_BYTES = 64 * 1024;

/** Programs running in this worker process, killed if it exits. */
const running = new Set<Program>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const program of running) program.kill("SIGKILL");
  });
}

/** Why a program could not be started, as the node reports it. */
export function spawnErrorText(command: string, error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "ENOENT":
      return `exec: command "${command}" not found (it is neither on the worker's PATH nor a path to a program)`;
    case "EACCES":
      return `exec: command "${command}" cannot be run: permission denied (is it executable?)`;
    default:
      return `exec: cannot start command "${command}": ${error.message}`;
  }
}

export class Program {
  readonly pid: number;
  readonly startedAt: number;
  /** Settles once the program ended and its output was read. */
  readonly ended: Promise<ProgramExit>;
  /** The last non-blank line it wrote on stderr (a traceback's last line says what went wrong). */
  lastStderr = "";
  private exitStatus: ProgramExit | undefined;
  private closed = false;

  /** Starts `spec`; rejects with a message naming the command when it cannot be started (not found, …). */
  static start(spec: ProgramSpec, hooks: ProgramHooks, clock: Clock): Promise<Program> {
    installExitHook();
    let child: ChildProcess;
    try {
      child = spawn(spec.command, [...spec.args], {
        cwd: spec.cwd,
        env: { ...process.env, ...spec.env },
        stdio: ["pipe", "pipe", "pipe"],
        // Its own process group, so a stop reaches what it started too (a shell's children).
        detached: true,
      });
    } catch (error) {
      return Promise.reject(new Error(spawnErrorText(spec.command, error as NodeJS.ErrnoException)));
    }
    return new Promise((resolve, reject) => {
      const failed = (error: NodeJS.ErrnoException) => reject(new Error(spawnErrorText(spec.command, error)));
      child.once("error", failed);
      child.once("spawn", () => {
        child.off("error", failed);
        resolve(new Program(child, spec, hooks, clock));
      });
    });
  }

  private constructor(
    private readonly child: ChildProcess,
    spec: ProgramSpec,
    hooks: ProgramHooks,
    private readonly clock: Clock,
  ) {
    this.pid = child.pid as number;
    this.startedAt = clock.now();
    running.add(this);
    const stdout = new LineSplitter(spec.maxLineBytes);
    const stderr = new LineSplitter(MAX_STDERR_LINE_BYTES);
    const onStdout = (events: ReturnType<LineSplitter["push"]>) => {
      for (const event of events) {
        if (event.kind === "line") hooks.line(this, event.text);
        else hooks.overflow(this);
      }
    };
    const onStderr = (events: ReturnType<LineSplitter["push"]>) => {
      for (const event of events) {
        const text = event.kind === "line" ? event.text : `[a stderr line over ${event.maxBytes} bytes, left out]`;
        if (text.trim() !== "") this.lastStderr = text;
        hooks.stderr(this, text);
      }
    };
    // Writing to a program that has exited fails with EPIPE; its exit is reported on its own.
    child.stdin?.on("error", () => {});
    child.stdout?.on("data", (chunk: Buffer) => onStdout(stdout.push(chunk)));
    child.stderr?.on("data", (chunk: Buffer) => onStderr(stderr.push(chunk)));
    // After spawn, an error can only come from kill(); the exit is what counts.
    child.on("error", () => {});
    child.once("exit", (code, signal) => {
      this.exitStatus = { code, signal };
      // Whatever it started and left behind goes with it (and would hold its pipes open).
      this.signalGroup("SIGKILL");
    });
    this.ended = new Promise((resolve) => {
      child.once("close", (code: number | null, signal: NodeJS.Signals | null) => {
        this.closed = true;
        running.delete(this);
        onStdout(stdout.end());
        onStderr(stderr.end());
        const exit = this.exitStatus ?? { code, signal };
        hooks.exit(this, exit);
        resolve(exit);
      });
    });
  }

  /** True once the program has exited. */
  get exited(): boolean {
    return this.exitStatus !== undefined || this.closed;
  }

  /** Writes one line to the program's stdin (dropped once it has exited: its exit fails what it had). */
  write(line: string): void {
    const stdin = this.child.stdin;
    if (this.exited || !stdin || stdin.destroyed || stdin.writableEnded) return;
    stdin.write(line);
  }

  /** Sends `signal` to the program (and its process group). */
  kill(signal: NodeJS.Signals): void {
    if (this.closed) return;
    this.signalGroup(signal);
  }

  /** Closes stdin and sends SIGTERM; SIGKILL after `graceMs` if it is still running. Settles once it ended. */
  terminate(graceMs: number): Promise<ProgramExit> {
    if (!this.closed) {
      this.child.stdin?.end();
      this.kill("SIGTERM");
      const timer = this.clock.setTimeout(() => this.kill("SIGKILL"), graceMs);
      void this.ended.then(() => this.clock.clearTimeout(timer));
    }
    return this.ended;
  }

  private signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // The group is gone (or was never made): signal the program itself.
      try {
        this.child.kill(signal);
      } catch {
        // Already gone.
      }
    }
  }
}
