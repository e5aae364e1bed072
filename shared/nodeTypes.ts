// The node-type contract: what a node type declares, and the built-in types.

/**
 * `secret`: the document holds only a reference `{ "$secret": "NAME" }` to a value kept encrypted in the
 * room (PUT /api/graphs/<id>/secrets/NAME); the room puts the value into the process's assignment.
 */
export type ParamType = "integer" | "number" | "string" | "boolean" | "secret";

/** A reference to one of the graph's secrets, as a secret param holds it in the document. */
export type SecretRef = { $secret: string };

/** Secret names: a letter or _ first, then letters, digits or _; at most 64. */
export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function isSecretRef(value: unknown): value is SecretRef {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const name = (value as { $secret?: unknown }).$secret;
  return keys.length === 1 && typeof name === "string" && SECRET_NAME_PATTERN.test(name);
}

export interface ParamSpec {
  type: ParamType;
  title: string;
  description?: string;
  default: string | number | boolean;
  min?: number;
  max?: number;
  /** A string param must be one of these. */
  choices?: readonly string[];
  /** A string param that must not be empty. */
  required?: boolean;
}

export interface NodeTypeDef {
  type: string;
  version: string;
  title: string;
  category: "source" | "transform" | "sink";
  description: string;
  inputs: string[];
  outputs: string[];
  params: Record<string, ParamSpec>;
  /** Worker labels a worker must carry to run this type. */
  labels: string[];
}

export const BUILTIN_NODE_TYPES: readonly NodeTypeDef[] = [
  {
    type: "random",
    version: "1.0.0",
    title: "Random",
    category: "source",
    description: "Emits a random integer from 0 to 999 every intervalMs.",
    inputs: [],
    outputs: ["out"],
    params: {
      intervalMs: {
        type: "integer",
        title: "Interval (ms)",
        description: "Milliseconds between two numbers.",
        default: 1000,
        min: 1,
        max: 3_600_000,
      },
    },
    labels: [],
  },
  {
    type: "counter",
    version: "1.0.0",
    title: "Counter",
    category: "source",
    description:
      "Emits the integers start, start + 1, … at ratePerSecond, or as fast as the downstream edges take them when ratePerSecond is 0; stops after count numbers (0: never).",
    inputs: [],
    outputs: ["out"],
    params: {
      ratePerSecond: {
        type: "integer",
        title: "Rate (per second)",
        description: "Numbers per second; 0 emits as fast as credit allows.",
        default: 10,
        min: 0,
        max: 1_000_000,
      },
      start: { type: "integer", title: "Start", description: "The first number.", default: 0, min: 0, max: 2 ** 52 },
      count: {
        type: "integer",
        title: "Count",
        description: "How many numbers to emit; 0 never stops.",
        default: 0,
        min: 0,
        max: 2 ** 52,
      },
    },
    labels: [],
  },
  {
    type: "factorize",
    version: "1.0.0",
    title: "Factorize",
    category: "transform",
    description: "Emits { n, factors } with the prime factors of each input integer.",
    inputs: ["in"],
    outputs: ["out"],
    params: {},
    labels: [],
  },
  {
    type: "http-request",
    version: "1.0.0",
    title: "HTTP request",
    category: "sink",
    description:
      "Sends each message as a JSON body to a URL and emits { status, body } on out; a failed or non-2xx request counts as an error.",
    inputs: ["in"],
    outputs: ["out"],
    params: {
      url: { type: "string", title: "URL", description: "http:// or https:// address to send to.", default: "" },
      method: { type: "string", title: "Method", description: "POST, PUT or PATCH.", default: "POST" },
      authorization: {
        type: "secret",
        title: "Authorization",
        description: "A secret sent as the Authorization header (e.g. Bearer …); leave unset for none.",
        default: "",
      },
      timeoutMs: {
        type: "integer",
        title: "Timeout (ms)",
        description: "Longest a request may take.",
        default: 10_000,
        min: 100,
        max: 300_000,
      },
    },
    labels: [],
  },
  {
    type: "file-write",
    version: "1.0.0",
    title: "File write",
    category: "sink",
    description:
      "Appends each message as one NDJSON line ({ id, key?, value, headers?, ts }) to a file on the worker; a message is acknowledged once written (and synced, per fsync).",
    inputs: ["in"],
    outputs: [],
    params: {
      path: {
        type: "string",
        title: "Path",
        description: "File to append to, on the worker's disk; its directory must exist.",
        default: "",
        required: true,
      },
      fsync: {
        type: "string",
        title: "fsync",
        description:
          "always: sync before each acknowledgement (nothing acknowledged is lost if the machine dies); interval: sync every second; never: leave it to the OS.",
        default: "always",
        choices: ["always", "interval", "never"],
      },
    },
    labels: [],
  },
  {
    type: "log",
    version: "1.0.0",
    title: "Log",
    category: "sink",
    description: "Prints each message on the worker and keeps the last 100 for status.",
    inputs: ["in"],
    outputs: [],
    params: {
      prefix: { type: "string", title: "Prefix", description: "Printed before each message.", default: "" },
    },
    labels: [],
  },
];

const builtinByType = new Map(BUILTIN_NODE_TYPES.map((def) => [def.type, def]));

export function findNodeType(type: string): NodeTypeDef | undefined {
  return builtinByType.get(type);
}

/** A checked param: in the document a secret is a SecretRef; in a running process, its value (a string). */
export type ParamValue = string | number | boolean | SecretRef;

/** The params a process runs with: defaults filled in, unknown keys refused. */
export type ParamCheck = { ok: true; params: Record<string, ParamValue> } | { ok: false; error: string };

/**
 * Checks params against the type. `document` (the room and importers): a secret param must be a reference
 * (or unset); `runtime` (the worker, after the room resolved the references): a secret param is its value.
 */
export function checkParams(
  def: NodeTypeDef,
  given: Record<string, unknown>,
  side: "document" | "runtime" = "document",
): ParamCheck {
  const params: Record<string, ParamValue> = {};
  for (const key of Object.keys(given)) {
    if (!(key in def.params)) return { ok: false, error: `unknown param "${key}" for node type ${def.type}` };
  }
  for (const [key, spec] of Object.entries(def.params)) {
    const value = given[key] ?? spec.default;
    const problem = spec.type === "secret" ? secretProblem(value, side) : paramProblem(spec, value);
    if (problem) return { ok: false, error: `param "${key}" ${problem}` };
    params[key] = value as ParamValue;
  }
  return { ok: true, params };
}

/** The secret names a node's params refer to. */
export function secretRefs(def: NodeTypeDef, params: Record<string, unknown>): string[] {
  return Object.entries(def.params)
    .filter(([key, spec]) => spec.type === "secret" && isSecretRef(params[key]))
    .map(([key]) => (params[key] as SecretRef).$secret);
}

function secretProblem(value: unknown, side: "document" | "runtime"): string | undefined {
  if (value === "") return undefined;
  if (side === "runtime") return typeof value === "string" ? undefined : "must be the secret's value, a string";
  if (isSecretRef(value)) return undefined;
  return 'is a secret: the graph holds only a reference {"$secret": "NAME"}; set the value with PUT /api/graphs/<id>/secrets/NAME';
}

function paramProblem(spec: ParamSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case "secret":
      return undefined;
    case "boolean":
      return typeof value === "boolean" ? undefined : `must be a boolean, got ${describe(value)}`;
    case "string":
      if (typeof value !== "string") return `must be a string, got ${describe(value)}`;
      if (spec.required && value === "") return "is required";
      if (spec.choices && !spec.choices.includes(value)) {
        return `must be one of ${spec.choices.map((c) => JSON.stringify(c)).join(", ")}, got ${JSON.stringify(value.slice(0, 40))}`;
      }
      return undefined;
    case "integer":
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) return `must be a number, got ${describe(value)}`;
      if (spec.type === "integer" && !Number.isInteger(value)) return `must be an integer, got ${value}`;
      if (spec.min !== undefined && value < spec.min) return `must be at least ${spec.min}, got ${value}`;
      if (spec.max !== undefined && value > spec.max) return `must be at most ${spec.max}, got ${value}`;
      return undefined;
    }
    default: {
      const never: never = spec.type;
      return `has an unknown param type ${String(never)}`;
    }
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 40) ?? ""}`.trim();
}
