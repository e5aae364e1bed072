// The `weft` command: parses the command line, prints help, runs the worker until a signal drains it, or
// runs a token command.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { parseCli, type WorkerOptions } from "./args.ts";
import { loadCatalog } from "./catalog.ts";
import { Fleet } from "./fleet.ts";
import { createLogger, escapeControl } from "./log.ts";
import { runTokenCreate, runWorkerToken } from "./tokenCommands.ts";
import { WORKER_VERSION } from "./version.ts";

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Record<string, string | undefined>;
  hostname: string;
  cwd: string;
  /** A file's text, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
  now(): number;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  hostname: hostname(),
  cwd: process.cwd(),
  readFile: (path) => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  },
  now: Date.now,
};

/** Runs `weft <argv>` and resolves with the exit code (2 for a bad command line). */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const { env, cwd, readFile } = io;
  const command = parseCli(argv, { env, hostname: io.hostname, cwd, readFile, version: WORKER_VERSION });
  switch (command.kind) {
    case "help":
    case "version":
      io.stdout(command.text);
      return 0;
    case "error":
      io.stderr(`weft: ${escapeControl(command.message)}\n${command.hint}\n`);
      return 2;
    case "worker":
      return runWorker(command.options, cwd);
    case "token-create":
      return runTokenCreate(command.options, io);
    case "worker-token":
      return runWorkerToken(command.options, io);
    default: {
      const never: never = command;
      throw new Error(`unhandled command ${JSON.stringify(never)}`);
    }
  }
}

/** A stop (after the drain, or on a second signal) must finish within 2 s; this is the hard stop. */
const SHUTDOWN_DEADLINE_MS = 1900;

/**
 * Serves the graphs until SIGINT/SIGTERM (exit 0) or until no graph can be served (exit 1). The
 * first signal drains (DRAIN-1/2) for at most --drain-timeout; a second one stops at once; a third
 * exits without waiting for anything. Plugins are loaded first, once, for every graph; relative plugin
 * paths and package names resolve from `cwd`.
 */
export async function runWorker(options: WorkerOptions, cwd = process.cwd()): Promise<number> {
  const log = createLogger({ workerId: options.workerId });
  const catalog = await loadCatalog(options.plugins, { cwd, log, allow: options.allow });
  const fleet = new Fleet({
    catalog,
    hub: options.hub,
    token: options.token,
    graphs: options.graphs,
    all: options.all,
    workerId: options.workerId,
    name: options.name,
    version: WORKER_VERSION,
    labels: options.labels,
    capacity: options.capacity,
    log,
  });
  let signals = 0;
  const hardStop = (afterMs: number): void => {
    setTimeout(() => {
      log.warn("shutdown took too long; exiting anyway");
      process.exit(0);
    }, afterMs).unref();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals === 1 && options.drainTimeoutMs === 0) {
      signals = 2;
      log.info({ signal }, `${signal}: --drain-timeout is 0, so stopping processes and closing connections now`);
      hardStop(SHUTDOWN_DEADLINE_MS);
      void fleet.stop();
    } else if (signals === 1) {
      log.info(
        { signal, drainTimeoutMs: options.drainTimeoutMs },
        `${signal}: handing processes back to the hub before exiting (send ${signal} again to stop at once)`,
      );
      hardStop(options.drainTimeoutMs + SHUTDOWN_DEADLINE_MS);
      void fleet.drain(options.drainTimeoutMs);
    } else if (signals === 2) {
      log.warn({ signal }, `second ${signal}: stopping processes and closing connections now`);
      hardStop(SHUTDOWN_DEADLINE_MS);
      void fleet.stop();
    } else {
      log.warn({ signal }, "third signal; exiting now");
      process.exit(0);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const target = options.all ? "every graph listed by the hub" : `graph ${options.graphs.join(", ")}`;
  log.info(
    { hub: options.hub.href, labels: options.labels, capacity: options.capacity, version: WORKER_VERSION },
    `weft worker ${options.workerId} serving ${target}`,
  );
  try {
    return await fleet.run();
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
