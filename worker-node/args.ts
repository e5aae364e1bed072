// Parses and validates the `weft` command line (node:util parseArgs); pure, so tests need no process.
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ID_PATTERN, LIMITS } from "../shared/limits.ts";
import { CAPABILITIES, type Capability } from "../shared/nodeTypes.ts";
import { DEFAULT_CAPACITY, DEFAULT_DRAIN_TIMEOUT_S, mainHelp, workerHelp } from "./help.ts";
import { defaultWorkerId, defaultWorkerName } from "./identity.ts";
import { describeParseError } from "./parseError.ts";
import { isPathSpec } from "./plugins.ts";
import { parseToken, parseWorkerToken, type TokenCreateOptions, type WorkerTokenOptions } from "./tokenArgs.ts";
import { parseHubUrl } from "./urls.ts";

export interface WorkerOptions {
  hub: URL;
  graphs: string[];
  all: boolean;
  labels: string[];
  capacity: number;
  token: string;
  name: string;
  workerId: string;
  /** Longest a SIGINT/SIGTERM drain may take before the rest is stopped (--drain-timeout). */
  drainTimeoutMs: number;
  /**
   * Plugins to load (docs/plugins.md), in order: --config's "plugins" (paths made absolute against the file's
   * folder), then $WEFT_PLUGINS, then each --plugin; relative paths and package names resolve from cwd.
   */
  plugins: string[];
  /**
   * Capabilities this worker grants the graphs' editors (--allow): `exec` runs programs and code they write
   * (exec, transform), `files` reads and writes files on this machine (file-read, file-watch, file-write).
   */
  allow: Capability[];
}

export type CliCommand =
  | { kind: "help"; text: string }
  | { kind: "version"; text: string }
  | { kind: "worker"; options: WorkerOptions }
  | { kind: "token-create"; options: TokenCreateOptions }
  | { kind: "worker-token"; options: WorkerTokenOptions }
  /** `hint` says where to read the usage. */
  | { kind: "error"; message: string; hint: string };

export interface CliEnvironment {
  env: Record<string, string | undefined>;
  hostname: string;
  version: string;
  /** The directory relative paths (--secret-file, .dev.vars) start from. */
  cwd: string;
  /** A file's text, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
}

const WORKER_FLAGS = {
  hub: { type: "string" },
  graph: { type: "string", multiple: true },
  all: { type: "boolean" },
  labels: { type: "string" },
  capacity: { type: "string" },
  token: { type: "string" },
  name: { type: "string" },
  id: { type: "string" },
  "drain-timeout": { type: "string" },
  plugin: { type: "string", multiple: true },
  config: { type: "string" },
  allow: { type: "string", multiple: true },
  help: { type: "boolean", short: "h" },
} as const;

const MAX_LABELS = 32;
const MAX_PLUGINS = 64;
const MAX_PLUGIN_SPEC = 1000;
const MAX_DRAIN_TIMEOUT_S = 3600;

export function parseCli(argv: readonly string[], environment: CliEnvironment): CliCommand {
  const [command, ...rest] = argv;
  const usage = mainHelp(environment.version);
  const hint = 'Run "weft --help" for usage.';
  const commands = "the commands are worker, token and worker-token";
  if (command === undefined) return { kind: "error", message: `missing command; ${commands}`, hint };
  if (command === "--help" || command === "-h" || command === "help") return { kind: "help", text: usage };
  if (command === "--version" || command === "-v") return { kind: "version", text: `weft ${environment.version}\n` };
  switch (command) {
    case "worker":
      return parseWorker(rest, environment);
    case "token":
      return parseToken(rest, environment);
    case "worker-token":
      return parseWorkerToken(rest, environment);
    default: {
      const what = command.startsWith("-") ? `unknown flag ${command}` : `unknown command "${command}"`;
      return { kind: "error", message: `${what}; ${commands}`, hint };
    }
  }
}

function parseWorker(args: string[], environment: CliEnvironment): CliCommand {
  const fail = (message: string): CliCommand => ({
    kind: "error",
    message,
    hint: 'Run "weft worker --help" for the flags.',
  });
  let values: ReturnType<typeof parseFlags>;
  try {
    values = parseFlags(args);
  } catch (error) {
    return fail(describeParseError(error as Error & { code?: string }));
  }
  if (values.help) return { kind: "help", text: workerHelp() };

  const config = values.config === undefined ? emptyConfig : readConfig(values.config, environment);
  if (typeof config === "string") return fail(config);

  if (values.hub === undefined) return fail("--hub is required (the hub's base URL, e.g. http://127.0.0.1:8787)");
  const hub = parseHubUrl(values.hub);
  if (!hub) return fail(`--hub must be an http, https, ws or wss URL without query, got ${JSON.stringify(values.hub)}`);

  const graphs = values.graph ?? [];
  const all = values.all ?? false;
  if (all && graphs.length > 0) return fail("--graph and --all exclude each other");
  if (!all && graphs.length === 0) return fail("pass --graph <id> (one or more) or --all");
  const badGraph = graphs.find((id) => !ID_PATTERN.test(id));
  if (badGraph !== undefined)
    return fail(`--graph must be 1-64 letters, digits, _ or -, got ${JSON.stringify(badGraph)}`);

  const labels = parseLabels([...config.labels, values.labels ?? ""].join(","));
  if (typeof labels === "string") return fail(labels);

  const plugins = parsePlugins(config.plugins, environment.env.WEFT_PLUGINS, values.plugin ?? []);
  if (typeof plugins === "string") return fail(plugins);

  const allow = parseAllow([...config.allow, ...(values.allow ?? [])].join(","));
  if (typeof allow === "string") return fail(allow);

  let capacity = DEFAULT_CAPACITY;
  if (values.capacity !== undefined) {
    capacity = Number(values.capacity);
    if (!/^\d+$/.test(values.capacity) || capacity < 1 || capacity > 10_000) {
      return fail(`--capacity must be an integer from 1 to 10000, got ${JSON.stringify(values.capacity)}`);
    }
  }

  const token = values.token ?? environment.env.WEFT_WORKER_TOKEN ?? "";
  if (values.token !== undefined && token === "") return fail("--token must not be empty");
  if (token === "") return fail("no worker token: pass --token <token> or set WEFT_WORKER_TOKEN");

  const name = values.name ?? defaultWorkerName(environment.hostname);
  if (name.length < 1 || name.length > LIMITS.maxNameLength) {
    return fail(`--name must be 1-${LIMITS.maxNameLength} characters, got ${name.length}`);
  }

  const workerId = values.id ?? defaultWorkerId(environment.hostname);
  if (!ID_PATTERN.test(workerId))
    return fail(`--id must be 1-64 letters, digits, _ or -, got ${JSON.stringify(workerId)}`);

  let drainTimeoutS = DEFAULT_DRAIN_TIMEOUT_S;
  const rawDrain = values["drain-timeout"];
  if (rawDrain !== undefined) {
    drainTimeoutS = Number(rawDrain);
    if (!/^\d+(\.\d+)?$/.test(rawDrain) || drainTimeoutS > MAX_DRAIN_TIMEOUT_S) {
      return fail(
        `--drain-timeout must be a number of seconds from 0 to ${MAX_DRAIN_TIMEOUT_S}, got ${JSON.stringify(rawDrain)}`,
      );
    }
  }
  const drainTimeoutMs = Math.round(drainTimeoutS * 1000);

  return {
    kind: "worker",
    options: {
      hub,
      graphs: [...new Set(graphs)],
      all,
      labels,
      capacity,
      token,
      name,
      workerId,
      drainTimeoutMs,
      plugins,
      allow,
    },
  };
}

function parseFlags(args: string[]) {
  return parseArgs({ args, options: WORKER_FLAGS, strict: true, allowPositionals: false }).values;
}

/** Comma-separated labels, or an error sentence naming --labels. */
function parseLabels(raw: string | undefined): string[] | string {
  if (raw === undefined) return [];
  const labels = [
    ...new Set(
      raw
        .split(",")
        .map((label) => label.trim())
        .filter((label) => label !== ""),
    ),
  ];
  if (labels.length > MAX_LABELS) return `--labels takes at most ${MAX_LABELS} labels, got ${labels.length}`;
  const bad = labels.find((label) => label.length > 64 || /\s/.test(label));
  if (bad !== undefined) return `--labels: each label is 1-64 characters without spaces, got ${JSON.stringify(bad)}`;
  return labels;
}

/** What a --config file may hold; command-line values are added to it. */
interface WorkerConfig {
  plugins: string[];
  labels: string[];
  allow: string[];
}

const emptyConfig: WorkerConfig = { plugins: [], labels: [], allow: [] };
const CONFIG_KEYS = ["plugins", "labels", "allow"];

/** Reads --config: JSON `{ "plugins": [...], "labels": [...] }`; or an error sentence naming --config and the file. */
function readConfig(path: string, environment: CliEnvironment): WorkerConfig | string {
  const file = resolve(environment.cwd, path);
  const text = environment.readFile(file);
  if (text === undefined) return `--config: cannot read ${JSON.stringify(path)} (looked in ${file})`;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return `--config ${path} is not valid JSON: ${(error as Error).message}`;
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return `--config ${path} must hold a JSON object such as {"plugins": ["./my-plugin"], "labels": ["ml"]}`;
  }
  const record = data as Record<string, unknown>;
  const unknown = Object.keys(record).find((key) => !CONFIG_KEYS.includes(key));
  if (unknown !== undefined) {
    return `--config ${path}: unknown key ${JSON.stringify(unknown)}; it may hold "plugins", "labels" and "allow" (pass the rest as flags)`;
  }
  const lists: Record<string, string[]> = {};
  for (const key of CONFIG_KEYS) {
    const value = record[key] ?? [];
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string" && item.trim() !== "")) {
      return `--config ${path}: "${key}" must be an array of non-empty strings`;
    }
    lists[key] = value.map((item: string) => item.trim());
  }
  const badLabel = lists.labels?.find((label) => label.includes(","));
  if (badLabel !== undefined) return `--config ${path}: a label must not contain ",", got ${JSON.stringify(badLabel)}`;
  // A path in the file is relative to the file; a package name is looked up from cwd like any other.
  const base = dirname(file);
  const plugins = (lists.plugins ?? []).map((spec) => (isPathSpec(spec) ? resolve(base, spec) : spec));
  return { plugins, labels: lists.labels ?? [], allow: lists.allow ?? [] };
}

/** Comma-separated capabilities (CAPABILITIES), or an error sentence naming --allow. */
function parseAllow(raw: string): Capability[] | string {
  const names = [
    ...new Set(
      raw
        .split(",")
        .map((name) => name.trim())
        .filter((name) => name !== ""),
    ),
  ];
  const bad = names.find((name) => !(CAPABILITIES as readonly string[]).includes(name));
  if (bad !== undefined) {
    return `--allow takes ${CAPABILITIES.join(", ")} (comma-separated), got ${JSON.stringify(bad.slice(0, 40))}`;
  }
  return names as Capability[];
}

/** The config file's plugins, then $WEFT_PLUGINS (comma-separated), then --plugin; or an error sentence. */
function parsePlugins(fromConfig: string[], fromEnv: string | undefined, fromFlags: string[]): string[] | string {
  const bad = fromFlags.find((spec) => spec.trim() === "");
  if (bad !== undefined) return "--plugin must not be empty (a path such as ./my-plugin.mjs or an npm package name)";
  const env = (fromEnv ?? "")
    .split(",")
    .map((spec) => spec.trim())
    .filter((spec) => spec !== "");
  const plugins = [...new Set([...fromConfig, ...env, ...fromFlags.map((spec) => spec.trim())])];
  if (plugins.length > MAX_PLUGINS) return `--plugin: at most ${MAX_PLUGINS} plugins, got ${plugins.length}`;
  const long = plugins.find((spec) => spec.length > MAX_PLUGIN_SPEC);
  if (long !== undefined) return `--plugin: a plugin path or name has at most ${MAX_PLUGIN_SPEC} characters`;
  return plugins;
}
